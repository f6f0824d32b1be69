import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from groups.models import LeaderAssignment, Membership, ServiceGroup
from groups.selectors import with_member_counts
from members.models import Member, User
from volunteer_portal.permissions import managed_group_ids


@override_settings(DEBUG=True)
def test_seed_demo_creates_accounts_leaders_and_members_and_is_idempotent(db):
    call_command("seed_demo", password="pw-for-demo-1", members=20)
    counts = (Member.objects.count(), Membership.objects.count(), LeaderAssignment.objects.count())
    call_command("seed_demo", password="pw-for-demo-1", members=20)
    assert counts == (
        Member.objects.count(),
        Membership.objects.count(),
        LeaderAssignment.objects.count(),
    )

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("pw-for-demo-1")
    coordinator = User.objects.get(username="coordinator")
    assert managed_group_ids(coordinator) == {ServiceGroup.objects.get(slug="ecommerce").pk}
    assert not managed_group_ids(User.objects.get(username="volunteer"))
    for group in ServiceGroup.objects.all():
        assert LeaderAssignment.objects.current().filter(group=group, role="head").count() == 1
    assert all(
        g.member_count >= 4 for g in with_member_counts(list(ServiceGroup.objects.all()))
    )  # the 20 members are spread over all five groups


@override_settings(DEBUG=True)
def test_seed_demo_scales_up_with_members(db):
    call_command("seed_demo", password="pw-for-demo-1", members=300)
    assert Member.objects.filter(phone__startswith="198").count() == 300


@override_settings(DEBUG=False)
def test_seed_demo_refuses_to_run_without_debug_unless_forced(db):
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", password="pw-for-demo-1")
    assert not User.objects.filter(username="admin").exists()
    call_command("seed_demo", password="pw-for-demo-1", members=0, force=True)
    assert User.objects.filter(username="admin").exists()


@override_settings(DEBUG=True, DEMO_PASSWORD="")
def test_seed_demo_needs_a_password(db):
    with pytest.raises(CommandError, match="password"):
        call_command("seed_demo")


@override_settings(DEBUG=True)
def test_seed_demo_runs_again_on_a_later_day(db):
    import datetime
    from unittest import mock

    from django.utils import timezone

    call_command("seed_demo", password="pw-for-demo-1", members=5)
    terms = LeaderAssignment.objects.count()
    later = timezone.localdate() + datetime.timedelta(days=3)
    with mock.patch("django.utils.timezone.localdate", return_value=later):
        call_command("seed_demo", password="pw-for-demo-1", members=5)
    assert LeaderAssignment.objects.count() == terms


@override_settings(DEBUG=False, ADMINS=[("Ops", "ops@example.com")])
def test_server_errors_are_emailed_to_the_admins(db):
    import logging

    from django.core import mail

    logging.getLogger("django.request").error("Internal Server Error: /boom")
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]


@override_settings(DEBUG=True)
def test_every_seeded_hours_figure_is_plausible_for_its_activity(db):
    """No approved entry exceeds its activity's length (the demo once showed 36 hours for a
    3-hour activity), every one was served and approved after the fact, and activities
    start at hours people really meet."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from activities.models import Activity, ServiceHours, SignUp

    call_command("seed_demo", password="pw-for-demo-1", members=60)
    now = timezone.now()
    entries = list(ServiceHours.objects.select_related("signup__activity", "signup__member"))
    assert len(entries) > 100
    for entry in entries:
        signup, activity = entry.signup, entry.signup.activity
        assert Decimal("0") < entry.hours <= activity.duration_hours, (activity, entry.hours)
        assert signup.status == SignUp.Status.CONFIRMED and signup.attended
        assert activity.status == Activity.Status.COMPLETED
        if entry.supersedes_id is None:  # a correction may give more than the check-out said
            served = (signup.checked_out_at - signup.checked_in_at).total_seconds() / 3600
            assert float(entry.hours) <= served
        if entry.status == ServiceHours.Status.APPROVED:
            assert activity.ends_at <= entry.approved_at <= now
            assert entry.approved_by_id and entry.approved_by_id != signup.member.user_id
        else:  # still waiting: only the latest activities
            assert entry.is_current and now - activity.ends_at < datetime.timedelta(days=10)
        if not entry.is_current:  # corrected: a current approved entry supersedes it
            newer = ServiceHours.objects.get(supersedes=entry)
            assert newer.is_current and newer.status == ServiceHours.Status.APPROVED
            assert newer.approved_at > entry.approved_at
    assert sum(e.status == ServiceHours.Status.APPROVED for e in entries) > 0.8 * len(entries)
    for activity in Activity.objects.all():
        start = timezone.localtime(activity.starts_at)
        assert 8 <= start.hour <= 20 and start.minute == 0, (activity, start)
        assert activity.ends_at - activity.starts_at <= datetime.timedelta(hours=8)

    # The demo volunteer's page still shows a star, earned over a plausible year.
    volunteer = Member.objects.get(user__username="volunteer")
    theirs = [e for e in entries if e.signup.member_id == volunteer.pk]
    total = sum(e.hours for e in theirs if e.is_current and e.status == "approved")
    assert 100 <= total <= 200
    first = min(e.signup.activity.starts_at for e in theirs)
    assert now - first > datetime.timedelta(days=300)

    # Running it again adds no activity, sign-up or hours.
    counts = (Activity.objects.count(), SignUp.objects.count(), ServiceHours.objects.count())
    call_command("seed_demo", password="pw-for-demo-1", members=60)
    assert counts == (
        Activity.objects.count(),
        SignUp.objects.count(),
        ServiceHours.objects.count(),
    )


def test_each_demo_activity_is_the_kind_of_work_its_group_does(db):
    from activities.models import Activity
    from volunteer_portal.management.commands.seed_demo import (
        ACTIVITY_TITLES,
        DEMO_ACTIVITY_PREFIX,
    )

    with override_settings(DEBUG=True):
        call_command("seed_demo", password="demo-pass-2026", verbosity=0)
    demo = Activity.objects.filter(
        title__startswith=DEMO_ACTIVITY_PREFIX, brand__name="每月税务咨询日"
    )
    seeded = Activity.objects.filter(title__startswith=DEMO_ACTIVITY_PREFIX).exclude(
        brand__name="文明实践周末行"
    )
    assert seeded.count() >= 10 and demo.exists()
    for activity in seeded.select_related("group"):
        titles = {title for title, *_ in ACTIVITY_TITLES[activity.group.slug]}
        assert activity.title.removeprefix(DEMO_ACTIVITY_PREFIX) in titles, activity.title


@override_settings(DEBUG=True)
def test_the_default_demo_has_a_year_of_history(db):
    """Even at ``make run``'s size the reports have a year to show: activities in many
    months, most past ones done with approved hours, cancelled sign-ups and places moved
    up from a waiting list (with the history the waiting list records), members who
    joined during the year and some who left; all of it again on a second run, not
    twice."""
    import datetime

    from django.utils import timezone

    from activities.models import Activity, ServiceHours, SignUp, SignUpEvent
    from volunteer_portal.management.commands.seed_demo import DEMO_ACTIVITY_PREFIX

    call_command("seed_demo", password="pw-for-demo-1", verbosity=0)
    now = timezone.now()
    year_ago = now - datetime.timedelta(days=366)
    demo = Activity.objects.filter(title__startswith=DEMO_ACTIVITY_PREFIX).exclude(
        brand__name="文明实践周末行"
    )
    past = demo.filter(starts_at__lt=now)
    assert demo.count() == 12 and not past.filter(starts_at__lt=year_ago).exists()
    months = {timezone.localtime(a.starts_at).strftime("%Y-%m") for a in past}
    assert len(months) >= 4, months
    assert demo.filter(starts_at__gt=now, status=Activity.Status.PUBLISHED).count() >= 3
    assert len({a.group_id for a in past.filter(status=Activity.Status.COMPLETED)}) >= 3

    approved = ServiceHours.objects.filter(
        status=ServiceHours.Status.APPROVED, is_current=True, signup__activity__in=past
    )
    assert approved.count() >= 25
    done = past.filter(status=Activity.Status.COMPLETED)
    confirmed = SignUp.objects.filter(activity__in=done, status=SignUp.Status.CONFIRMED)
    came = confirmed.filter(checked_in_at__isnull=False).count()
    assert 0.8 <= came / confirmed.count() < 1

    cancelled = SignUp.objects.filter(activity__in=demo, status=SignUp.Status.CANCELLED)
    assert cancelled.exists()
    assert all(s.cancelled_at < s.activity.starts_at for s in cancelled)
    promoted = SignUp.history.filter(history_change_reason=SignUpEvent.PROMOTED)
    assert promoted.exists()
    for record in promoted:
        first = SignUp.history.filter(id=record.id).earliest("history_date", "history_id")
        assert first.status == SignUp.Status.WAITING and first.history_date <= record.history_date
        assert first.history_change_reason == SignUpEvent.SIGNED_UP

    members = Membership.objects.filter(member__phone__startswith="198")
    left = members.filter(status=Membership.Status.LEFT)
    assert left.exists()
    assert all(year_ago < m.left_at < now and m.decided_at < m.left_at for m in left)
    joined = members.filter(created_at__gte=year_ago).values_list("created_at", flat=True)
    assert len({timezone.localtime(d).strftime("%Y-%m") for d in joined}) >= 3
    assert members.filter(created_at__lt=year_ago).exists()  # and some were there before

    counts = (
        Activity.objects.count(),
        SignUp.objects.count(),
        SignUp.history.count(),
        ServiceHours.objects.count(),
        Membership.objects.count(),
        Membership.history.count(),
    )
    call_command("seed_demo", password="pw-for-demo-1", verbosity=0)
    assert counts == (
        Activity.objects.count(),
        SignUp.objects.count(),
        SignUp.history.count(),
        ServiceHours.objects.count(),
        Membership.objects.count(),
        Membership.history.count(),
    )


@pytest.mark.postgres  # SQLite caps the rows of one insert far below the batch size
@override_settings(DEBUG=True)
def test_seed_demo_writes_in_bulk(db):
    """The number of queries does not grow with the number of members, activities and
    requests (bulk inserts): what lets the large demo finish in a minute."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(size: int) -> int:
        with CaptureQueriesContext(connection) as run:
            call_command(
                "seed_demo",
                password="pw-for-demo-1",
                members=size * 5,
                activities=size,
                requests=size,
                verbosity=0,
            )
        return len(run.captured_queries)

    queries(6)  # the accounts, leaders and first rows
    more, many_more = queries(12), queries(48)
    assert many_more <= more + 5, (more, many_more)
