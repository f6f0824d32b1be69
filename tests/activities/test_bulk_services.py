"""Bulk services act on sets: a fixed number of queries at any size, the rows a rule forbids
left out and counted (never the whole batch refused), one lock order (sign-up, then hours)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import ServiceHours, SignUp
from activities.services import AttendanceRow, LeftOut
from groups import services as group_services
from groups.models import Membership
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    MembershipFactory,
    SignUpFactory,
    UserFactory,
)

# Absolute ceilings: the counts are pinned equal at two sizes below; these catch a
# constant that creeps up (a savepoint or two, the role lookup, locks, writes, history).
CEILING = 9


@pytest.fixture
def ended(ecommerce):
    """An activity that ended an hour ago (three hours long)."""
    start = timezone.now() - datetime.timedelta(hours=4)
    return ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))


def attended(activity, n):
    return [SignUpFactory(activity=activity, attended=True) for _ in range(n)]


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def propose_for(coordinator, signups):
    for signup in signups:
        services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("2"))
    return list(ServiceHours.objects.filter(signup__in=signups).values_list("pk", flat=True))


def test_approving_20_entries_costs_the_same_queries_as_approving_2(coordinator, ecommerce):
    sizes = {}
    for n in (2, 20):
        activity = ActivityFactory(
            starts_at=timezone.now() - datetime.timedelta(hours=4),
            ends_at=timezone.now() - datetime.timedelta(hours=1),
        )
        ids = propose_for(coordinator, attended(activity, n))
        fresh = type(coordinator).objects.get(pk=coordinator.pk)  # no cached roles
        sizes[n] = count_queries(
            lambda u=fresh, a=activity, i=ids: services.hours_approve(
                actor=u, activity=a, entry_ids=i
            )
        )
        assert ServiceHours.objects.filter(pk__in=ids, status="approved").count() == n
    assert sizes[2] == sizes[20] <= CEILING


def test_filling_hours_for_20_costs_the_same_queries_as_for_2(coordinator, ecommerce):
    sizes = {}
    for n in (2, 20):
        activity = ActivityFactory(
            starts_at=timezone.now() - datetime.timedelta(hours=4),
            ends_at=timezone.now() - datetime.timedelta(hours=1),
        )
        attended(activity, n)
        fresh = type(coordinator).objects.get(pk=coordinator.pk)
        sizes[n] = count_queries(
            lambda u=fresh, a=activity: services.hours_propose_attended(actor=u, activity=a)
        )
        assert ServiceHours.objects.filter(signup__activity=activity).count() == n
    assert sizes[2] == sizes[20] <= CEILING


def test_saving_attendance_for_20_costs_the_same_queries_as_for_2(coordinator, ecommerce):
    sizes = {}
    for n in (2, 20):
        activity = ActivityFactory(
            starts_at=timezone.now() - datetime.timedelta(hours=4),
            ends_at=timezone.now() - datetime.timedelta(hours=1),
        )
        signups = [SignUpFactory(activity=activity) for _ in range(n)]
        rows = [AttendanceRow(s.pk, True, None, None) for s in signups]
        fresh = type(coordinator).objects.get(pk=coordinator.pk)
        sizes[n] = count_queries(
            lambda u=fresh, a=activity, r=rows: services.attendance_save(
                actor=u, activity=a, rows=r
            )
        )
        assert SignUp.objects.filter(activity=activity, attended=True).count() == n
        assert SignUp.history.filter(activity_id=activity.pk, history_type="~").count() == n
    assert sizes[2] == sizes[20] <= CEILING


def test_approving_20_applications_costs_the_same_queries_as_2(admin_user, ecommerce):
    sizes = {}
    for n in (2, 20):
        ids = [  # applicants with accounts: each is emailed in their own language
            MembershipFactory(
                group=ecommerce,
                status=Membership.Status.APPLIED,
                member__user=UserFactory(language="en"),
                member__email=f"applicant{n}-{i}@example.com",
            ).pk
            for i in range(n)
        ]
        sizes[n] = count_queries(
            lambda i=ids: group_services.memberships_approve(actor=admin_user, membership_ids=i)
        )
        assert Membership.objects.filter(pk__in=ids, status="active").count() == n
        assert Membership.history.filter(id__in=ids, history_change_reason="approved").count() == n
    assert sizes[2] == sizes[20] <= CEILING


def test_a_coordinator_cannot_approve_applications_of_another_group(coordinator, culture):
    from django.core.exceptions import PermissionDenied

    elsewhere = MembershipFactory(group=culture, status=Membership.Status.APPLIED)
    with pytest.raises(PermissionDenied):
        group_services.memberships_approve(actor=coordinator, membership_ids=[elsewhere.pk])
    elsewhere.refresh_from_db()
    assert elsewhere.status == "applied"


# --- The defect: a coordinator who took part could not complete their own activity --------


@pytest.fixture
def coordinator_took_part(coordinator, ended):
    """The coordinator and two volunteers attended the activity."""
    own = SignUpFactory(activity=ended, member=coordinator.member, attended=True)
    others = attended(ended, 2)
    return ended, own, others


def test_completing_proposes_everyone_elses_hours_and_leaves_the_coordinators_own(
    client, coordinator, coordinator_took_part
):
    activity, own, others = coordinator_took_part
    client.force_login(coordinator)
    response = client.post(
        reverse("activities:activity-complete", args=[activity.pk]),
        {"beneficiaries": "30", "report": "顺利"},
        follow=True,
    )
    assert response.status_code == 200
    activity.refresh_from_db()
    assert activity.status == "completed"
    assert ServiceHours.objects.filter(signup__in=others).count() == 2
    assert not own.hours.exists()  # left for another coordinator or an admin
    text = response.content.decode()
    assert "1 row was left out" in text or "1 条" in text


def test_filling_hours_from_attendance_leaves_out_only_the_own_row(
    client, coordinator, coordinator_took_part
):
    activity, own, others = coordinator_took_part
    client.force_login(coordinator)
    response = client.post(reverse("activities:hours-fill", args=[activity.pk]), follow=True)
    assert response.status_code == 200
    assert ServiceHours.objects.filter(signup__in=others).count() == 2
    assert not own.hours.exists()
    result = services.hours_propose_attended(actor=coordinator, activity=activity)
    assert result.done == 0 and result.left_out == {LeftOut.OWN_HOURS: 1}


def test_approving_leaves_out_the_approvers_own_entry_and_another_coordinator_approves_it(
    coordinator, coordinator_took_part, ecommerce
):
    from tests.conftest import make_coordinator

    activity, own, others = coordinator_took_part
    colleague = make_coordinator(ecommerce, "colleague")
    services.hours_propose_attended(actor=colleague, activity=activity)  # all three rows
    ids = list(ServiceHours.objects.values_list("pk", flat=True))
    result = services.hours_approve(actor=coordinator, activity=activity, entry_ids=ids)
    assert result.done == 2 and result.left_out == {LeftOut.OWN_HOURS: 1}
    assert own.hours.get().status == "proposed"
    result = services.hours_approve(actor=colleague, activity=activity, entry_ids=ids)
    assert result.done == 1 and own.hours.get().approved_by == colleague


def test_approving_ignores_entries_of_other_activities(coordinator, ended, ecommerce):
    elsewhere = ActivityFactory(
        starts_at=ended.starts_at, ends_at=ended.ends_at, title="另一个活动"
    )
    ids = propose_for(coordinator, attended(elsewhere, 1))
    result = services.hours_approve(actor=coordinator, activity=ended, entry_ids=ids)
    assert result.done == 0
    assert ServiceHours.objects.get().status == "proposed"


@pytest.mark.postgres
def test_every_hours_service_locks_the_sign_up_before_the_hours(coordinator, ended):
    """One lock order everywhere (parent before child), so two services cannot deadlock."""
    signups = attended(ended, 2)
    ids = propose_for(coordinator, signups)

    def lock_order(action):
        with CaptureQueriesContext(connection) as queries:
            action()
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        return [
            "signup" if 'FROM "activities_signup"' in sql else "hours"
            for sql in locks
            if 'FROM "activities_signup"' in sql or 'FROM "activities_servicehours"' in sql
        ]

    approve = lock_order(
        lambda: services.hours_approve(actor=coordinator, activity=ended, entry_ids=ids)
    )
    correct = lock_order(
        lambda: services.hours_correct(
            actor=coordinator, signup=signups[0], hours=Decimal("1"), note=""
        )
    )
    for order in (approve, correct):
        assert order and order[0] == "signup" and "signup" not in order[order.index("hours") :]


def test_a_member_added_to_the_sheet_from_another_activity_is_refused(coordinator, ended):
    stranger = SignUpFactory(activity=ActivityFactory(), member=MemberFactory())
    with pytest.raises(Exception) as refused:
        services.attendance_save(
            actor=coordinator,
            activity=ended,
            rows=[AttendanceRow(stranger.pk, True, None, None)],
        )
    assert "not_confirmed" in str(refused.value.error_list[0].code)
    stranger.refresh_from_db()
    assert stranger.attended is None
