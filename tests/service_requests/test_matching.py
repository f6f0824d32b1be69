"""Issue 10: suggestions from the talent database, ranked by the rules in
service_requests/matching.py, each with its reasons; one query however large the group."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Activity, ServiceHours, SignUp
from groups.models import Membership
from members.models import Skill
from service_requests.matching import suggestions
from service_requests.models import ServiceRequest
from tests.factories import ActivityFactory, MemberFactory, MembershipFactory

# A Saturday afternoon, in Zhangzhou's time.
SATURDAY = datetime.datetime(2027, 3, 6, 14, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def request_with_activity(ecommerce):
    tax = Skill.objects.create(name="测试：税法")
    activity = ActivityFactory(
        group=ecommerce, starts_at=SATURDAY, ends_at=SATURDAY + datetime.timedelta(hours=2)
    )
    request = ServiceRequest.objects.create(
        requester_name="陈老板",
        phone="13712345678",
        district="longwen",
        description="小微企业报税",
        group=ecommerce,
        status=ServiceRequest.Status.ACCEPTED,
        activity=activity,
    )
    request.skills_needed.set([tax])
    return request, tax


def member_of(group, name, **fields):
    member = MemberFactory(full_name=name, **fields)
    MembershipFactory(member=member, group=group, status=Membership.Status.ACTIVE)
    return member


def served_before(member, group, days_ago: int, hours: str | None = None):
    """A confirmed place in an earlier request's activity (hours approved if given)."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    activity = ActivityFactory(
        group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    ServiceRequest.objects.create(
        requester_name="x", phone="13700000000", district="longwen", description="x",
        group=group, activity=activity, status=ServiceRequest.Status.CLOSED,
    )  # fmt: skip
    signup = SignUp.objects.create(activity=activity, member=member, status=SignUp.Status.CONFIRMED)
    if hours:
        ServiceHours.objects.create(
            signup=signup,
            hours=Decimal(hours),
            status=ServiceHours.Status.APPROVED,
            approved_at=timezone.now(),
        )


def test_the_ranking_follows_the_rules(request_with_activity, ecommerce, culture):
    request, tax = request_with_activity
    busy = member_of(ecommerce, "忙碌", district="longwen", available_weekends=True)
    busy.skills.add(tax)
    other = ActivityFactory(
        group=culture, starts_at=SATURDAY, ends_at=SATURDAY + datetime.timedelta(hours=1)
    )
    SignUp.objects.create(activity=other, member=busy, status=SignUp.Status.CONFIRMED)
    skilled_far = member_of(ecommerce, "税法远", district="zhangpu")
    skilled_far.skills.add(tax)
    skilled_near_often = member_of(ecommerce, "税法近常", district="longwen")
    skilled_near_often.skills.add(tax)
    served_before(skilled_near_often, ecommerce, days_ago=10)
    served_before(skilled_near_often, ecommerce, days_ago=20)
    skilled_near_fresh = member_of(ecommerce, "税法近新", district="longwen")
    skilled_near_fresh.skills.add(tax)
    served_before(skilled_near_fresh, ecommerce, days_ago=200)  # long ago: not counted
    near_available = member_of(ecommerce, "近有空", district="longwen", available_weekends=True)
    near = member_of(ecommerce, "近", district="longwen")
    member_of(culture, "别团的", district="longwen").skills.add(tax)  # not of this group
    applicant = MemberFactory(full_name="申请中", district="longwen")
    MembershipFactory(member=applicant, group=ecommerce, status=Membership.Status.APPLIED)

    ranked = suggestions(request)

    assert [s.member for s in ranked] == [
        skilled_near_fresh,  # skill, district, not served lately
        skilled_near_often,  # skill, district, served twice in 90 days
        skilled_far,  # skill only
        near_available,  # district and available on Saturdays
        near,  # district only
        busy,  # busy then: last, whatever else
    ]
    often = next(s for s in ranked if s.member == skilled_near_often)
    assert often.served == 2 and often.skills_matched == ["测试：税法"] and often.same_district
    assert next(s for s in ranked if s.member == busy).busy


def test_the_reasons_say_why(request_with_activity, ecommerce):
    from django.utils import translation

    request, tax = request_with_activity
    member = member_of(ecommerce, "理由", district="longwen", available_weekends=True)
    member.skills.add(tax)
    served_before(member, ecommerce, days_ago=5, hours="3")
    with translation.override("en"):
        (suggestion,) = suggestions(request)
    assert suggestion.reasons == [
        "skill: 测试：税法",
        "same district",
        "available at that time",
        "served once in 90 days",
    ]
    assert suggestion.hours == 3.0


def test_members_already_asked_are_not_suggested_again(request_with_activity, ecommerce):
    request, _ = request_with_activity
    asked = member_of(ecommerce, "已问")
    SignUp.objects.create(activity=request.activity, member=asked, status=SignUp.Status.WAITING)
    assert asked not in [s.member for s in suggestions(request)]


def test_one_query_for_the_ranking_whatever_the_group_size(request_with_activity, ecommerce):
    request, tax = request_with_activity
    counts = []
    for size in (5, 50):
        while Membership.objects.filter(group=ecommerce).count() < size:
            member = member_of(ecommerce, f"成员{size}-{counts}", district="longwen")
            member.skills.add(tax)
            member.full_name = f"成员{member.pk}"
            member.save()
        with CaptureQueriesContext(connection) as queries:
            ranked = suggestions(request, limit=20)
        assert len(ranked) == min(size, 20)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2, counts  # the ranking, then the skill names


def accepted_request(coordinator, ecommerce, needed=2):
    from service_requests import services

    request = ServiceRequest.objects.create(
        requester_name="陈老板", phone="13712345678", district="longwen",
        description="小微企业报税", group=ecommerce, status=ServiceRequest.Status.DISPATCHED,
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=4)
    services.request_accept(
        actor=coordinator,
        request=request,
        volunteers_needed=needed,
        skills=[],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        location="龙文区",
    )
    request.refresh_from_db()
    return request


def test_the_chosen_are_offered_the_places_and_a_decline_passes_to_the_next(
    coordinator, ecommerce, django_capture_on_commit_callbacks
):
    from django.core import mail

    from activities import services as activity_services
    from service_requests import services
    from tests.factories import UserFactory

    request = accepted_request(coordinator, ecommerce, needed=2)
    chosen = []
    for i in range(3):
        member = member_of(ecommerce, f"志愿者{i}", email=f"v{i}@example.com")
        member.user = UserFactory(username=f"v{i}")
        member.save()
        chosen.append(member)
    with django_capture_on_commit_callbacks(execute=True):
        invited, passed_over = services.request_invite(
            actor=coordinator, request=request, member_ids=[m.pk for m in chosen]
        )
    assert passed_over == []
    status = {s.member: s.status for s in SignUp.objects.filter(activity=request.activity)}
    assert status == {
        chosen[0]: SignUp.Status.OFFERED,
        chosen[1]: SignUp.Status.OFFERED,
        chosen[2]: SignUp.Status.WAITING,
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["v0@example.com", "v1@example.com"]
    request.activity.refresh_from_db()
    assert request.activity.status == Activity.Status.PUBLISHED and request.activity.offer_hours
    # the first declines: the third is offered the place
    first = SignUp.objects.get(activity=request.activity, member=chosen[0])
    activity_services.signup_cancel(actor=chosen[0].user, signup=first)
    third = SignUp.objects.get(activity=request.activity, member=chosen[2])
    assert third.status == SignUp.Status.OFFERED


def test_a_lapsed_offer_passes_to_the_next_one_asked(coordinator, ecommerce):
    from activities import services as activity_services
    from service_requests import services

    request = accepted_request(coordinator, ecommerce, needed=1)
    first, second = member_of(ecommerce, "甲"), member_of(ecommerce, "乙")
    services.request_invite(actor=coordinator, request=request, member_ids=[first.pk, second.pk])
    later = timezone.now() + datetime.timedelta(hours=25)
    activity_services.offers_expire(activity=request.activity, now=later)
    statuses = dict(
        SignUp.objects.filter(activity=request.activity).values_list("member_id", "status")
    )
    assert statuses == {first.pk: SignUp.Status.EXPIRED, second.pk: SignUp.Status.OFFERED}


def test_another_groups_coordinator_may_not_ask_volunteers(
    coordinator, other_coordinator, ecommerce
):
    from django.core.exceptions import PermissionDenied

    from service_requests import services

    request = accepted_request(coordinator, ecommerce)
    with pytest.raises(PermissionDenied):
        services.request_invite(
            actor=other_coordinator, request=request, member_ids=[member_of(ecommerce, "丙").pk]
        )


@pytest.mark.postgres
def test_postgresql_does_not_compile_the_pages_queries_just_in_time(db):
    """The suggestions for a group of 2,000 took 80 ms of work and 780 ms of JIT
    compiling: the settings turn JIT off for the portal's connections."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
