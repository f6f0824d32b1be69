"""Signing up, the waiting list, offers, and every reason for a refusal."""

import datetime
import io
import itertools

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from activities import selectors, services
from activities.models import Activity, SignUp
from tests.factories import ActivityFactory, MembershipFactory, SignUpFactory


def codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


def test_volunteers_are_confirmed_until_full_then_wait_in_order(make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=2)
    results = [services.signup_create(actor=make_volunteer(), activity=activity) for _ in range(4)]
    assert [s.status for s in results] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [selectors.waiting_position(s) for s in results[2:]] == [1, 2]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": Activity.Status.DRAFT}, "closed"),
        ({"status": Activity.Status.CANCELLED}, "closed"),
        ({"signup_closes_at": timezone.now() - datetime.timedelta(hours=1)}, "closed"),
        ({"signup_opens_at": timezone.now() + datetime.timedelta(days=1)}, "not_yet_open"),
        ({"eligibility": Activity.Eligibility.MEMBERS}, "not_eligible"),
        (
            {
                "starts_at": timezone.now() - datetime.timedelta(hours=1),
                "ends_at": timezone.now() + datetime.timedelta(hours=1),
            },
            "closed",
        ),
    ],
)
def test_sign_up_is_refused_with_a_reason(make_volunteer, ecommerce, change, code):
    activity = ActivityFactory(**change)
    with pytest.raises(ValidationError) as refused:
        services.signup_create(actor=make_volunteer(), activity=activity)
    assert code in codes(refused.value)
    assert not SignUp.objects.exists()


def test_group_members_may_sign_up_for_members_only_activities(make_volunteer, ecommerce):
    user = make_volunteer()
    MembershipFactory(member=user.member, group=ecommerce)
    activity = ActivityFactory(eligibility=Activity.Eligibility.MEMBERS)
    assert services.signup_create(actor=user, activity=activity).status == "confirmed"


def test_signing_up_twice_is_refused(make_volunteer, ecommerce):
    user, activity = make_volunteer(), ActivityFactory()
    services.signup_create(actor=user, activity=activity)
    with pytest.raises(ValidationError) as refused:
        services.signup_create(actor=user, activity=activity)
    assert codes(refused.value) == {"already_signed_up"}


def test_an_overlapping_confirmed_activity_is_refused(make_volunteer, ecommerce):
    user = make_volunteer()
    first = ActivityFactory()
    services.signup_create(actor=user, activity=first)
    clash = ActivityFactory(
        starts_at=first.starts_at + datetime.timedelta(hours=1),
        ends_at=first.ends_at + datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as refused:
        services.signup_create(actor=user, activity=clash)
    assert codes(refused.value) == {"overlap"}
    later = ActivityFactory(
        starts_at=first.ends_at, ends_at=first.ends_at + datetime.timedelta(hours=2)
    )
    assert services.signup_create(actor=user, activity=later).status == "confirmed"


def test_an_account_without_a_profile_is_told_to_complete_it(staff, ecommerce):
    with pytest.raises(ValidationError) as refused:
        services.signup_create(actor=staff, activity=ActivityFactory())
    assert codes(refused.value) == {"no_profile"}


def test_cancelling_promotes_the_first_waiting_volunteer_and_emails_them(
    make_volunteer, ecommerce, django_capture_on_commit_callbacks
):
    activity = ActivityFactory(capacity=1)
    holder, first, second = make_volunteer(), make_volunteer(), make_volunteer()
    held = services.signup_create(actor=holder, activity=activity)
    services.signup_create(actor=first, activity=activity)
    services.signup_create(actor=second, activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_cancel(actor=holder, signup=held)
    statuses = dict(SignUp.objects.values_list("member__user__username", "status"))
    assert statuses == {
        holder.username: "cancelled",
        first.username: "confirmed",
        second.username: "waiting",
    }
    assert [m.to for m in mail.outbox] == [[first.member.email]]


def test_nobody_cancels_after_the_start(make_volunteer, ecommerce):
    user = make_volunteer()
    activity = ActivityFactory()
    signup = services.signup_create(actor=user, activity=activity)
    with pytest.raises(ValidationError) as refused:
        services.signup_cancel(actor=user, signup=signup, now=activity.starts_at)
    assert codes(refused.value) == {"started"}


@pytest.fixture
def offered(make_volunteer, ecommerce):
    """A full activity using offers: the holder cancelled, the first waiting has an offer."""
    activity = ActivityFactory(capacity=1, offer_hours=12)
    holder, first, second = make_volunteer(), make_volunteer(), make_volunteer()
    held = services.signup_create(actor=holder, activity=activity)
    services.signup_create(actor=first, activity=activity)
    services.signup_create(actor=second, activity=activity)
    services.signup_cancel(actor=holder, signup=held)
    return activity, first, second


def test_a_freed_place_is_offered_and_can_be_accepted(offered):
    activity, first, second = offered
    offer = SignUp.objects.get(member=first.member)
    assert offer.status == "offered" and offer.offer_expires_at
    # The offer holds the place: a newcomer waits.
    assert SignUp.objects.get(member=second.member).status == "waiting"
    accepted = services.offer_accept(actor=first, signup=offer)
    assert accepted.status == "confirmed"


def test_a_lapsed_offer_passes_to_the_next_by_the_cron_command(offered):
    activity, first, second = offered
    SignUp.objects.filter(status="offered").update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    out = io.StringIO()
    call_command("expire_offers", stdout=out)
    assert "1 lapsed offers moved on" in out.getvalue()
    assert SignUp.objects.get(member=first.member).status == "expired"
    assert SignUp.objects.get(member=second.member).status == "offered"
    with pytest.raises(ValidationError):
        services.offer_accept(actor=first, signup=SignUp.objects.get(member=first.member))


def test_the_activity_page_only_reads_a_lapsed_offer_counts_as_free_until_the_job_runs(
    client, offered, mailoutbox, django_capture_on_commit_callbacks
):
    activity, first, second = offered
    SignUp.objects.filter(status="offered").update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    sent = len(mailoutbox)
    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("activities:activity-detail", args=[activity.pk]))
    # Nothing was written or sent by the GET ...
    assert SignUp.objects.get(member=first.member).status == "offered"
    assert SignUp.objects.get(member=second.member).status == "waiting"
    assert len(mailoutbox) == sent
    # ... but the page counts the lapsed offer's place as free and offers no "accept".
    assert page.context["activity"].places_left == 1
    assert 'id="accept-offer"' not in page.content.decode()
    assert 'id="offer-lapsed"' in page.content.decode()
    call_command("expire_offers")  # the periodic job hands the place on
    assert SignUp.objects.get(member=first.member).status == "expired"
    assert SignUp.objects.get(member=second.member).status == "offered"


def test_accepting_a_lapsed_offer_is_refused_even_before_the_cron_runs(offered):
    activity, first, second = offered
    offer = SignUp.objects.get(member=first.member)
    with pytest.raises(ValidationError):
        services.offer_accept(
            actor=first, signup=offer, now=offer.offer_expires_at + datetime.timedelta(seconds=1)
        )


def test_coordinator_adds_removes_and_moves_people_by_hand(coordinator, make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=1)
    a, b = make_volunteer(), make_volunteer()
    first = services.participant_add(actor=coordinator, activity=activity, member=a.member)
    second = services.participant_add(actor=coordinator, activity=activity, member=b.member)
    assert (first.status, second.status) == ("confirmed", "waiting")
    with pytest.raises(ValidationError) as refused:
        services.waitlist_promote(actor=coordinator, signup=second)
    assert codes(refused.value) == {"full"}  # never more confirmed than places
    services.participant_remove(actor=coordinator, signup=first)
    assert SignUp.objects.get(pk=second.pk).status == "confirmed"  # promoted at once


def test_raising_the_capacity_confirms_waiting_volunteers(coordinator, make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=1)
    for _ in range(3):
        services.signup_create(actor=make_volunteer(), activity=activity)
    activity.capacity = 2
    services.activity_save(actor=coordinator, activity=activity)
    assert SignUp.objects.filter(status="confirmed").count() == 2


def test_cancelling_an_activity_emails_everyone_signed_up(
    coordinator, make_volunteer, ecommerce, django_capture_on_commit_callbacks
):
    activity = ActivityFactory(capacity=1)
    for _ in range(2):
        services.signup_create(actor=make_volunteer(), activity=activity)
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_cancel(actor=coordinator, activity=activity, reason="台风")
    assert len(mail.outbox) == 2 and "台风" in mail.outbox[0].body


def test_the_signup_page_flow(client, make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=1)
    SignUpFactory(activity=activity)
    user = make_volunteer()
    client.force_login(user)
    response = client.post(reverse("activities:signup", args=[activity.pk]), follow=True)
    assert "候补名单第 1 位" in response.content.decode()
    response = client.post(reverse("activities:signup", args=[activity.pk]), follow=True)
    assert "您已报名" in response.content.decode()
    client.post(reverse("activities:cancel", args=[activity.pk]))
    assert SignUp.objects.get(member=user.member).status == "cancelled"


def test_places_cannot_be_lowered_below_those_already_confirmed(
    coordinator, make_volunteer, ecommerce
):
    activity = ActivityFactory(capacity=3)
    for _ in range(3):
        services.signup_create(actor=make_volunteer(), activity=activity)
    activity.capacity = 2
    with pytest.raises(ValidationError) as refused:
        services.activity_save(actor=coordinator, activity=activity)
    assert "capacity" in refused.value.message_dict
    assert Activity.objects.get(pk=activity.pk).capacity == 3


def test_an_offer_never_outlasts_the_start_and_cannot_be_accepted_after_it(
    make_volunteer, ecommerce
):
    start = timezone.now() + datetime.timedelta(hours=2)
    activity = ActivityFactory(
        capacity=1, offer_hours=48, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    holder, first = make_volunteer(), make_volunteer()
    held = services.signup_create(actor=holder, activity=activity)
    services.signup_create(actor=first, activity=activity)
    services.signup_cancel(actor=holder, signup=held)
    offer = SignUp.objects.get(member=first.member)
    assert offer.offer_expires_at == activity.starts_at
    with pytest.raises(ValidationError):
        services.offer_accept(actor=first, signup=offer, now=start + datetime.timedelta(minutes=1))


def test_a_cancelled_activity_hands_out_no_more_places(
    coordinator, make_volunteer, ecommerce, django_capture_on_commit_callbacks
):
    activity = ActivityFactory(capacity=1)
    holder, waiting = make_volunteer(), make_volunteer()
    held = services.signup_create(actor=holder, activity=activity)
    services.signup_create(actor=waiting, activity=activity)
    services.activity_cancel(actor=coordinator, activity=activity)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.signup_cancel(actor=holder, signup=held)
    assert SignUp.objects.get(member=waiting.member).status == "waiting"
    assert mail.outbox == []


def test_someone_waiting_who_is_confirmed_elsewhere_at_that_time_is_passed_over(
    coordinator, make_volunteer, ecommerce
):
    a = ActivityFactory(capacity=1)
    b = ActivityFactory(capacity=5, starts_at=a.starts_at, ends_at=a.ends_at)
    holder, busy, free = make_volunteer(), make_volunteer(), make_volunteer()
    held = services.signup_create(actor=holder, activity=a)
    services.signup_create(actor=busy, activity=a)  # waiting for a
    services.signup_create(actor=free, activity=a)  # waiting for a, second
    services.signup_create(actor=busy, activity=b)  # confirmed for b, same time
    services.signup_cancel(actor=holder, signup=held)
    assert SignUp.objects.get(member=busy.member, activity=a).status == "waiting"
    assert SignUp.objects.get(member=free.member, activity=a).status == "confirmed"
    with pytest.raises(ValidationError) as refused:
        services.waitlist_promote(
            actor=coordinator, signup=SignUp.objects.get(member=busy.member, activity=a)
        )
    assert codes(refused.value) == {"full"} or codes(refused.value) == {"overlap"}


def test_coordinators_add_only_their_groups_members_and_the_rules_still_apply(
    client, coordinator, make_volunteer, ecommerce, culture
):
    outsider = make_volunteer(phone="13600000001")
    MembershipFactory(member=outsider.member, group=culture)
    insider = make_volunteer(phone="13600000002")
    MembershipFactory(member=insider.member, group=ecommerce)
    activity = ActivityFactory(eligibility=Activity.Eligibility.MEMBERS)
    client.force_login(coordinator)
    url = reverse("activities:participants", args=[activity.pk])
    response = client.post(url, {"phone": "13600000001"})
    assert "phone" in response.context["form"].errors
    assert outsider.member.full_name not in response.content.decode()
    client.post(url, {"phone": "13600000002"})
    assert SignUp.objects.get(member=insider.member).status == "confirmed"
    cancelled = ActivityFactory(status=Activity.Status.CANCELLED)
    with pytest.raises(ValidationError):
        services.participant_add(actor=coordinator, activity=cancelled, member=insider.member)


def test_copying_an_activity_with_a_long_title_keeps_it_valid(coordinator, ecommerce):
    copy = services.activity_copy(actor=coordinator, activity=ActivityFactory(title="长" * 200))
    assert len(copy.title) <= 200


# --- The participants page of a big activity (issue 12) --------------------------------------


_PHONES = itertools.count(17100000000)


def _people(activity, status, n, *, tag, first=0):
    """``n`` sign-ups in ``status`` named ``<tag>000``, ``<tag>001``... in sign-up order."""
    from members.models import Member

    start = timezone.now() - datetime.timedelta(days=1)
    members = Member.objects.bulk_create(
        [
            Member(full_name=f"{tag}{i:03d}", phone=str(next(_PHONES)))
            for i in range(first, first + n)
        ]
    )
    return SignUp.objects.bulk_create(
        [
            SignUp(
                activity=activity,
                member=member,
                status=status,
                created_at=start + datetime.timedelta(seconds=i),
                offer_expires_at=start + datetime.timedelta(days=2)
                if status == "offered"
                else None,
                cancelled_at=start if status == "cancelled" else None,
            )
            for i, member in zip(range(first, first + n), members, strict=True)
        ]
    )


def _names(page) -> list[str]:
    return [s.member.full_name for s in page]


@pytest.fixture
def big(ecommerce):
    """55 confirmed, 55 waiting (with places free: they may be moved up), 3 cancelled."""
    activity = ActivityFactory(capacity=60)
    _people(activity, "confirmed", 55, tag="确认")
    _people(activity, "waiting", 55, tag="候补")
    _people(activity, "cancelled", 3, tag="取消")
    return activity


def test_each_participant_list_turns_its_own_pages(client, coordinator, big):
    client.force_login(coordinator)
    url = reverse("activities:participants", args=[big.pk])
    first = client.get(url)
    assert first.context["counts"]["confirmed"] == first.context["counts"]["waiting"] == 55
    assert _names(first.context["confirmed"]) == [f"确认{i:03d}" for i in range(50)]
    assert _names(first.context["waiting"])[:2] == ["候补000", "候补001"]
    html = first.content.decode()
    assert "确认050" not in html and 'href="?page=2#confirmed"' in html
    assert 'href="?waiting_page=2#waiting"' in html

    second = client.get(url + "?page=2&waiting_page=2")
    assert _names(second.context["confirmed"]) == [f"确认{i:03d}" for i in range(50, 55)]
    # The waiting list's numbers go on from the first page: the place on the whole list.
    assert [(s.member.full_name, s.position) for s in second.context["waiting"]][:2] == [
        ("候补050", 51),
        ("候补051", 52),
    ]
    html = second.content.decode()
    # Turning one list's page keeps the other's; the row buttons come back here.
    assert 'href="?waiting_page=2&amp;page=1#confirmed"' in html
    assert 'href="?page=2&amp;waiting_page=1#waiting"' in html
    signup = second.context["waiting"][0]
    change = reverse("activities:participant-change", args=[big.pk, signup.pk, "promote"])
    assert f'action="{change}?page=2&amp;waiting_page=2"' in html


def test_a_change_on_a_later_page_returns_to_that_page(client, coordinator, big):
    client.force_login(coordinator)
    waiting = SignUp.objects.filter(activity=big, status="waiting").order_by("created_at")[52]
    change = reverse("activities:participant-change", args=[big.pk, waiting.pk, "remove"])
    response = client.post(change + "?page=2&waiting_page=2&next=https://evil.example")
    url = reverse("activities:participants", args=[big.pk])
    assert response.status_code == 302 and response["Location"] == f"{url}?page=2&waiting_page=2"
    assert SignUp.objects.get(pk=waiting.pk).status == "removed"


def test_someone_added_is_shown_on_the_page_of_their_list(client, coordinator, make_volunteer, big):
    newcomer = make_volunteer(phone="13600000055")
    MembershipFactory(member=newcomer.member, group=big.group)
    client.force_login(coordinator)
    url = reverse("activities:participants", args=[big.pk])
    response = client.post(url + "?page=2", {"phone": "13600000055"})
    added = SignUp.objects.get(activity=big, member=newcomer.member)
    assert added.status == "waiting"  # places are free, but 55 people wait before them
    assert response["Location"] == f"{url}?waiting_page=2#signup-{added.pk}"
    page = client.get(response["Location"])
    assert f'id="signup-{added.pk}"' in page.content.decode()


def test_a_search_finds_people_on_any_page_with_their_real_place(client, coordinator, big):
    client.force_login(coordinator)
    url = reverse("activities:participants", args=[big.pk])
    assert 'id="participant-search"' in client.get(url).content.decode()
    found = client.get(url + "?q=候补052")
    assert _names(found.context["waiting"]) == ["候补052"]
    assert found.context["waiting"][0].position == 53
    assert not list(found.context["confirmed"])
    assert found.context["counts"]["confirmed"] == 55  # the totals stay the activity's


def test_a_small_activity_has_no_search_box_and_no_pages(client, coordinator, ecommerce):
    activity = ActivityFactory(capacity=2)
    _people(activity, "confirmed", 2, tag="小")
    client.force_login(coordinator)
    html = client.get(reverse("activities:participants", args=[activity.pk])).content.decode()
    assert "小001" in html and 'id="participant-search"' not in html and "page=" not in html


def test_the_participants_page_costs_the_same_queries_at_5_and_55_a_list(
    client, coordinator, ecommerce
):
    """Every list (confirmed, offered, waiting, ended) has rows and, at 55, a second page."""
    from tests.activities.test_pages_feeds_reminders import count_queries

    activity = ActivityFactory(capacity=200)
    client.force_login(coordinator)
    url = reverse("activities:participants", args=[activity.pk])
    pages = url + "?page=2&offered_page=2&waiting_page=2&ended_page=2"
    lists = ("confirmed", "offered", "waiting", "cancelled")
    for status in lists:
        _people(activity, status, 5, tag=status)
    small = count_queries(client, url)
    for status in lists:
        _people(activity, status, 50, tag=status, first=5)
    assert count_queries(client, url) == count_queries(client, pages) == small
    assert len(client.get(pages).context["waiting"]) == 5
