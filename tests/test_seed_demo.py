import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from groups.models import LeaderAssignment, Membership, ServiceGroup
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
        g.member_count >= 4 for g in ServiceGroup.objects.with_member_count()
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
    entries = list(ServiceHours.objects.select_related("signup__activity"))
    assert len(entries) > 100
    for entry in entries:
        signup, activity = entry.signup, entry.signup.activity
        assert entry.status == ServiceHours.Status.APPROVED and entry.is_current
        assert Decimal("0") < entry.hours <= activity.duration_hours, (activity, entry.hours)
        assert signup.status == SignUp.Status.CONFIRMED and signup.attended
        served = (signup.checked_out_at - signup.checked_in_at).total_seconds() / 3600
        assert float(entry.hours) <= served
        assert activity.status == Activity.Status.COMPLETED
        assert activity.ends_at <= entry.approved_at <= now
        assert entry.approved_by_id and entry.approved_by_id != signup.member.user_id
    for activity in Activity.objects.all():
        start = timezone.localtime(activity.starts_at)
        assert 8 <= start.hour <= 20 and start.minute == 0, (activity, start)
        assert activity.ends_at - activity.starts_at <= datetime.timedelta(hours=8)

    # The demo volunteer's page still shows a star, earned over a plausible year.
    volunteer = Member.objects.get(user__username="volunteer")
    theirs = [e for e in entries if e.signup.member_id == volunteer.pk]
    total = sum(e.hours for e in theirs)
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
