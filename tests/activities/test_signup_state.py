"""The activity page offers the sign-up button exactly when signing up would succeed: the
page and ``signup_create`` ask the same rule (``activities.permissions.signup_state``)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import SignUp
from tests.factories import ActivityFactory, MembershipFactory


def page(client, activity):
    return client.get(reverse("activities:activity-detail", args=[activity.pk]))


def shows_signup_button(response) -> bool:
    return 'id="signup"' in response.content.decode()


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer)
    return client


def test_no_button_before_the_sign_up_window_opens(volunteer_client, volunteer, ecommerce):
    activity = ActivityFactory(signup_opens_at=timezone.now() + datetime.timedelta(days=1))
    response = page(volunteer_client, activity)
    assert not shows_signup_button(response)
    assert response.context["signup_state"] == "not_yet_open"
    assert "Sign-up opens on" in response.content.decode() or "报名" in response.content.decode()
    volunteer_client.post(reverse("activities:signup", args=[activity.pk]))
    assert not SignUp.objects.exists()


def test_no_button_after_the_sign_up_window_closed(volunteer_client, ecommerce):
    activity = ActivityFactory(signup_closes_at=timezone.now() - datetime.timedelta(minutes=5))
    response = page(volunteer_client, activity)
    assert not shows_signup_button(response)
    assert response.context["signup_state"] == "closed"


def test_no_button_on_a_members_only_activity_for_a_non_member(
    volunteer_client, volunteer, ecommerce
):
    activity = ActivityFactory(eligibility="members")
    response = page(volunteer_client, activity)
    assert not shows_signup_button(response)
    assert response.context["signup_state"] == "members_only"
    MembershipFactory(member=volunteer.member, group=ecommerce)
    response = page(volunteer_client, activity)
    assert shows_signup_button(response)
    volunteer_client.post(reverse("activities:signup", args=[activity.pk]))
    assert SignUp.objects.get().status == "confirmed"


def test_a_full_activity_offers_the_waiting_list(volunteer_client, make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=1)
    services.signup_create(actor=make_volunteer(), activity=activity)
    response = page(volunteer_client, activity)
    assert response.context["signup_state"] == "waiting_list"
    assert "Join the waiting list" in response.content.decode() or shows_signup_button(response)


def test_no_button_when_confirmed_elsewhere_at_the_same_time(
    volunteer_client, volunteer, ecommerce
):
    first = ActivityFactory()
    services.signup_create(actor=volunteer, activity=first)
    same_time = ActivityFactory(starts_at=first.starts_at, ends_at=first.ends_at)
    response = page(volunteer_client, same_time)
    assert not shows_signup_button(response)
    assert response.context["signup_state"] == "overlap"


def test_anonymous_visitors_are_asked_to_log_in(client, ecommerce):
    response = page(client, ActivityFactory())
    assert response.context["signup_state"] == "login"
    assert reverse("login") in response.content.decode()


def test_the_page_and_the_service_agree_for_every_state(client, make_volunteer, ecommerce):
    """For each situation: the button is shown if and only if the sign-up goes through."""
    now = timezone.now()
    situations = {
        "open": {},
        "not yet open": {"signup_opens_at": now + datetime.timedelta(hours=2)},
        "closed": {"signup_closes_at": now - datetime.timedelta(minutes=1)},
        "members only": {"eligibility": "members"},
        "draft": {"status": "draft"},
        "started": {"starts_at": now - datetime.timedelta(minutes=5)},
    }
    for name, fields in situations.items():
        user = make_volunteer()
        activity = ActivityFactory(**fields)
        client.force_login(user)
        shown = shows_signup_button(page(client, activity)) if name != "draft" else False
        client.post(reverse("activities:signup", args=[activity.pk]))
        signed_up = SignUp.objects.filter(activity=activity, member=user.member).exists()
        assert shown == signed_up, name
