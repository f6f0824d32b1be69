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
