"""Issue 11: the report's figures against a world computed by hand: two groups and an
empty one, activities on both edges of the period, a corrected hours entry (counted once),
pending hours, cancelled sign-ups and activities, requests received, completed, declined
and withdrawn, and a period with no data at all."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from activities.models import ServiceHours, SignUp, Theme
from groups.models import Membership
from reports.figures import build
from reports.figures.tables import Scope
from reports.periods import Period
from service_requests.models import RequestEvent, ServiceRequest
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    MembershipFactory,
    ServiceGroupFactory,
    SignUpFactory,
)

PERIOD = Period(datetime.date(2025, 3, 1), datetime.date(2025, 5, 31))
R = ServiceRequest.Status


def at(day: str, time: str = "10:00") -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} {time}"))


def activity(group, starts: datetime.datetime, **fields):
    return ActivityFactory(
        group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=3), **fields
    )


def hours(signup, amount, *, current=True, approved=True, supersedes=None, admin=None):
    return ServiceHours.objects.create(
        signup=signup,
        hours=Decimal(amount),
        is_current=current,
        supersedes=supersedes,
        status=ServiceHours.Status.APPROVED if approved else ServiceHours.Status.PROPOSED,
        approved_at=signup.activity.ends_at if approved else None,
        approved_by=admin,
    )


def request_in(group, created: str, status=R.SUBMITTED, **fields):
    values = {"requester_name": "林阿姨", "phone": "13712345678", "district": "longwen",
              "description": "x", **fields}  # fmt: skip
    request = ServiceRequest.objects.create(group=group, status=status, **values)
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=at(created))
    return request


@pytest.fixture
def world(ecommerce, culture, admin_user):
    m1 = MemberFactory(
        full_name="林一", personnel_category="private", political_status="cpc", district="longwen"
    )
    m2 = MemberFactory(full_name="陈二", personnel_category="freelance", district="xiangcheng")
    m3 = MemberFactory(full_name="王三")
    m4 = MemberFactory(full_name="黄四")
    for member, group in ((m1, ecommerce), (m2, ecommerce), (m4, ecommerce), (m3, culture),
                          (m4, culture)):  # fmt: skip
        MembershipFactory(member=member, group=group, decided_at=at("2025-04-02"))
    MembershipFactory(  # left in the period
        member=MemberFactory(full_name="赵五"), group=ecommerce,
        status=Membership.Status.LEFT, decided_at=at("2024-01-01"), left_at=at("2025-05-01"),
    )  # fmt: skip
    theme = Theme.objects.create(name="测试主题")
    a1 = activity(ecommerce, at("2025-03-10"), kind="service", beneficiaries=30)
    a1.themes.add(theme)
    a2 = activity(ecommerce, at("2025-05-31", "23:30"), kind="training")  # inside the edge
    a3 = activity(ecommerce, at("2025-06-01", "00:30"), kind="service", beneficiaries=99)
    a4 = activity(ecommerce, at("2025-02-28", "22:00"), beneficiaries=99)  # spans the start
    activity(ecommerce, at("2025-04-01"), status="cancelled")
    activity(ecommerce, at("2025-04-02"), status="draft", beneficiaries=99)
    activity(culture, at("2025-04-03"), kind="exchange", beneficiaries=7)
    s11 = SignUpFactory(activity=a1, member=m1, attended=True)
    s12 = SignUpFactory(activity=a1, member=m2, attended=False)
    SignUpFactory(activity=a1, member=m4, status=SignUp.Status.CANCELLED)
    s21 = SignUpFactory(activity=a2, member=m1, checked_in_at=a2.starts_at)
    s31 = SignUpFactory(activity=a3, member=m1, attended=True)
    s41 = SignUpFactory(activity=a4, member=m4, attended=True)
    old = hours(s11, 3, current=False, admin=admin_user)
    hours(s11, 4, supersedes=old, admin=admin_user)  # corrected: counts once, as 4
    hours(s12, 2, approved=False)  # waiting for approval: not counted
    hours(s21, 5, admin=admin_user)
    hours(s31, 7, admin=admin_user)  # after the period
    hours(s41, 100, admin=admin_user)  # before it: only in m4's stars
    r1 = request_in(ecommerce, "2025-03-05", R.RATED, rating=5, channel="phone")
    ServiceRequest.objects.filter(pk=r1.pk).update(
        completed_at=at("2025-03-15"), rated_at=at("2025-03-16")
    )
    r2 = request_in(ecommerce, "2025-04-01", R.RATED, rating=2)
    ServiceRequest.objects.filter(pk=r2.pk).update(
        completed_at=at("2025-04-05"), rated_at=at("2025-04-06")
    )
    r3 = request_in(ecommerce, "2025-04-02", R.WITHDRAWN)
    ServiceRequest.objects.filter(pk=r3.pk).update(closed_at=at("2025-04-10"))
    request_in(culture, "2025-04-03", R.DISPATCHED, district="nanjing")
    request_in(None, "2025-04-04")  # waiting in triage: only in an admin's "all groups"
    request_in(ecommerce, "2025-06-02")  # after the period
    # Declined by e-commerce in the period, then dispatched to culture.
    declined = request_in(ecommerce, "2025-04-15", R.DISPATCHED)
    declined.refresh_from_db()
    declined.status, declined.group = R.SUBMITTED, None
    declined._change_reason = RequestEvent.DECLINED
    declined.save()
    declined.history.filter(history_change_reason=RequestEvent.DECLINED).update(
        history_date=at("2025-04-20")
    )
    declined.history.exclude(history_change_reason=RequestEvent.DECLINED).update(
        history_date=at("2025-04-15")
    )
    return {"m4": m4}


def scope_of(*groups, everything=False):
    return Scope(tuple(g.pk for g in groups), everything=everything)


def test_the_ecommerce_groups_figures(world, ecommerce):
    with translation.override("en"):
        report = build(scope_of(ecommerce), PERIOD)
    figure = report.figure
    assert figure("members") == 3 and figure("joined") == 3 and figure("left") == 1
    assert figure("served") == 1 and figure("served_share") == 33.3
    assert report.table("people_personnel_category").rows[-1] == ["Not stated", 1]
    assert (figure("held"), figure("cancelled")) == (2, 1)  # a3, a4 outside; draft not held
    assert (figure("signups"), figure("confirmed"), figure("signups_cancelled")) == (4, 3, 1)
    assert figure("attendance") == 66.7  # 2 of 3 confirmed came (checked in or marked)
    assert figure("people_served") == 30
    assert report.table("activities_kind").rows == [["Service", 1, 30], ["Training", 1, 0]]
    assert report.table("activities_theme").rows == [["测试主题", 1]]
    assert figure("hours") == Decimal("9") and figure("entries") == 2
    assert figure("volunteers") == 1
    assert report.table("hours_month").rows == [
        ["2025-03", Decimal("4")], ["2025-04", Decimal("0")], ["2025-05", Decimal("5")]
    ]  # fmt: skip
    assert report.table("hours_top").rows == [["林一", Decimal("9"), 2]]
    stars = dict(report.table("hours_stars").rows)
    assert stars["1 star"] == 1 and stars["No star yet"] == 2  # m4: 100 h before the end
    # Received: the requests that are the group's now (the one it declined is not).
    assert figure("received") == 3 and figure("completed") == 2
    assert (figure("withdrawn"), figure("declined")) == (1, 1)
    assert figure("median_days") == 7.0  # (10 + 4) / 2
    assert (figure("rated"), figure("rating")) == (2, 3.5)
    assert report.table("requests_rating").rows[0] == ["★★★★★", 1]
    trend = report.table("trend_monthly").rows
    assert trend == [
        ["2025-03", Decimal("4"), 1, 1], ["2025-04", Decimal("0"), 0, 2],
        ["2025-05", Decimal("5"), 1, 0],
    ]  # fmt: skip


def test_another_group_and_all_groups(world, ecommerce, culture):
    culture_report = build(scope_of(culture), PERIOD)
    assert culture_report.figure("members") == 2  # m3, m4
    assert culture_report.figure("held") == 1 and culture_report.figure("people_served") == 7
    assert culture_report.figure("received") == 1 and culture_report.figure("declined") == 0
    everything = build(scope_of(ecommerce, culture, everything=True), PERIOD)
    assert everything.figure("members") == 4  # m4 in both groups: counted once
    assert everything.figure("received") == 6  # the triage one too
    assert everything.figure("declined") == 1
    mine = build(scope_of(ecommerce, culture), PERIOD)  # a coordinator of both
    assert mine.figure("received") == 4  # not those in triage


def test_an_empty_group_and_a_period_without_data(world, ecommerce):
    empty = build(scope_of(ServiceGroupFactory()), PERIOD)
    assert empty.figure("members") == 0 and empty.figure("served_share") is None
    assert empty.figure("attendance") is None and empty.figure("median_days") is None
    assert empty.figure("rating") is None and empty.figure("hours") == 0
    quiet = build(
        scope_of(ecommerce), Period(datetime.date(2020, 1, 1), datetime.date(2020, 2, 29))
    )
    assert quiet.figure("held") == 0 and quiet.figure("received") == 0
    assert quiet.table("hours_month").rows == [["2020-01", 0], ["2020-02", 0]]
    assert quiet.table("hours_top").rows == []


def test_the_number_of_queries_does_not_grow_with_the_data(world, ecommerce, admin_user):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            build(scope_of(ecommerce, everything=True), PERIOD)
        return len(queries)

    before = count()
    for n in range(10):
        member = MemberFactory()
        MembershipFactory(member=member, group=ecommerce)
        extra = activity(ecommerce, at(f"2025-04-{n + 10}"), beneficiaries=n)
        hours(SignUpFactory(activity=extra, member=member, attended=True), 2, admin=admin_user)
        request_in(ecommerce, f"2025-04-{n + 10}")
    assert count() == before


def test_what_the_review_found(ecommerce, admin_user):
    """A member added straight to the roster (no decision) joined; a checked-in volunteer
    then marked absent did not come; a request's people served count for its activity."""
    member = MemberFactory()
    added = MembershipFactory(member=member, group=ecommerce, decided_at=None)
    Membership.objects.filter(pk=added.pk).update(created_at=at("2025-04-01"))
    a1 = activity(ecommerce, at("2025-04-10"), beneficiaries=5)
    SignUpFactory(activity=a1, member=member, attended=False, checked_in_at=a1.starts_at)
    SignUpFactory(activity=a1, attended=True)
    a2 = activity(ecommerce, at("2025-04-11"), beneficiaries=None)
    request_in(ecommerce, "2025-04-01", R.COMPLETED, activity=a2, people_served=40)
    report = build(scope_of(ecommerce), PERIOD)
    assert report.figure("joined") == 1
    assert report.figure("attendance") == 50.0
    assert report.figure("people_served") == 45
