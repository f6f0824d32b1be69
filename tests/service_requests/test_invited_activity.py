"""Issue 10 review: a request's activity is invitation-only: nobody signs up on their own
(a confirmed place would show them the requester's contact), and nobody who was not asked,
nor the public, sees it (its place is often the requester's home)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity
from groups.models import Membership
from service_requests import services
from service_requests.models import ServiceRequest
from tests.factories import MemberFactory, MembershipFactory, UserFactory


@pytest.fixture
def taken(coordinator, ecommerce):
    request = ServiceRequest.objects.create(
        requester_name="陈老板", phone="13712345678", district="longwen", description="报税",
        group=ecommerce, status=ServiceRequest.Status.DISPATCHED,
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=3)
    services.request_accept(
        actor=coordinator, request=request, volunteers_needed=2, skills=[],
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), location="陈老板家",
    )  # fmt: skip
    request.refresh_from_db()
    activity_services.activity_publish(actor=coordinator, activity=request.activity)
    return request


def member_user(group, username):
    user = UserFactory(username=username)
    member = MemberFactory(user=user)
    MembershipFactory(member=member, group=group, status=Membership.Status.ACTIVE)
    return user


def test_a_member_cannot_sign_up_on_their_own(taken, ecommerce):
    user = member_user(ecommerce, "selfie")
    with pytest.raises(ValidationError, match="invited_only|coordinator asks|联络员"):
        activity_services.signup_create(actor=user, activity=taken.activity)


def test_the_public_and_members_not_asked_do_not_see_it(client, taken, ecommerce):
    page = reverse("activities:activity-detail", args=[taken.activity.pk])
    assert client.get(page).status_code == 404
    assert "陈老板家" not in client.get(reverse("activities:activity-list")).content.decode()
    feed = client.get(reverse("activities:feed-group", args=[ecommerce.slug])).content.decode()
    assert "陈老板家" not in feed
    client.force_login(member_user(ecommerce, "notasked"))
    assert client.get(page).status_code == 404


def test_those_asked_and_the_coordinators_see_it(client, taken, coordinator, ecommerce):
    asked = member_user(ecommerce, "asked")
    services.request_invite(actor=coordinator, request=taken, member_ids=[asked.member.pk])
    page = reverse("activities:activity-detail", args=[taken.activity.pk])
    for user in (asked, coordinator):
        client.force_login(user)
        assert client.get(page).status_code == 200
    assert taken.activity.eligibility == Activity.Eligibility.INVITED


def test_withdrawing_after_acceptance_cancels_the_activity_and_tells_everyone(
    taken, coordinator, ecommerce, django_capture_on_commit_callbacks
):
    from django.core import mail

    from activities.models import SignUp

    asked = member_user(ecommerce, "asked2")
    asked.member.email = "asked2@example.com"
    asked.member.save()
    services.request_invite(actor=coordinator, request=taken, member_ids=[asked.member.pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_withdraw(request=taken)
    taken.activity.refresh_from_db()
    assert taken.activity.status == Activity.Status.CANCELLED
    recipients = {m.to[0] for m in mail.outbox}
    assert "asked2@example.com" in recipients  # the volunteer asked
    assert coordinator.member.email in recipients  # the group
    assert SignUp.objects.filter(activity=taken.activity).exists()


def test_a_coordinator_cannot_ask_someone_outside_the_group_nor_learn_their_name(
    client, taken, coordinator, culture
):
    outsider = member_user(culture, "outsider")
    outsider.member.full_name = "外团秘密名字"
    outsider.member.save()
    client.force_login(coordinator)
    response = client.post(
        reverse("requests:invite", args=[taken.pk]),
        {"member": [outsider.member.pk, "²"]},
        follow=True,
    )
    assert response.status_code == 200
    assert "外团秘密名字" not in response.content.decode()


def test_the_volunteers_serving_see_who_asked_on_the_activity_page_while_it_is_open(
    client, taken, coordinator, ecommerce
):
    from activities import services as activity_services
    from activities.models import SignUp

    asked, other = member_user(ecommerce, "serving"), member_user(ecommerce, "waiting")
    services.request_invite(
        actor=coordinator, request=taken, member_ids=[asked.member.pk, other.member.pk]
    )
    signup = SignUp.objects.get(activity=taken.activity, member=asked.member)
    activity_services.offer_accept(actor=asked, signup=signup)
    page = reverse("activities:activity-detail", args=[taken.activity.pk])
    client.force_login(asked)
    html = client.get(page).content.decode()
    assert 'id="requester-panel"' in html and "13712345678" in html and "陈老板" in html
    client.force_login(member_user(ecommerce, "bystander"))
    assert client.get(page).status_code == 404
    # one only offered a place (not yet confirmed) does not see it
    client.force_login(other)
    assert "13712345678" not in client.get(page).content.decode()
    # once the request is withdrawn, nobody serving sees the contact any more
    ServiceRequest.objects.filter(pk=taken.pk).update(status=ServiceRequest.Status.WITHDRAWN)
    client.force_login(asked)
    assert "13712345678" not in client.get(page).content.decode()
