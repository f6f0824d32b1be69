"""`manage.py seed_scale`: a province-sized database on top of seed_demo, loaded with COPY.
Run here at a small size: the counts asked for, the demo coordinator's big group and the
demo volunteer's sign-ups, rows every model accepts, places as the waiting list's rules
leave them, and the main pages answering on the result."""

import datetime
import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from activities.models import Activity, ServiceHours, SignUp
from groups.models import Membership, ServiceGroup
from groups.selectors import member_counts
from members.models import Member, User
from tests.conftest import shipped_group
from volunteer_portal import scale

SIZE = {"members": 3000, "activities": 300, "signups": 6000, "groups": 10, "big_group": 1000,
        "volunteer_signups": 50}  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # COPY and VACUUM
@override_settings(DEBUG=True)
def test_seed_scale_fills_the_database_as_asked_and_the_pages_answer(client):
    shipped_group("ecommerce")
    call_command("seed_demo", password="pw-for-demo-1", stdout=io.StringIO())
    before = {m: m.objects.count() for m in (Member, Activity, SignUp, Membership)}
    output = io.StringIO()
    call_command("seed_scale", **SIZE, stdout=output)
    assert "6,000 sign-ups" in output.getvalue()

    added = {m.__name__: m.objects.count() - n for m, n in before.items()}
    assert added == {"Member": 3000, "Activity": 300, "SignUp": 6000, "Membership": 3000}
    assert ServiceGroup.objects.count() == 10
    ecommerce = ServiceGroup.objects.get(slug="ecommerce")
    assert Membership.objects.active().filter(group=ecommerce).count() == 1000
    volunteer = Member.objects.get(user__username="volunteer")
    assert volunteer.signups.count() == 50
    phones = Member.objects.exclude(phone="").values_list("phone", flat=True)
    assert len(set(phones)) == len(phones) == Member.objects.count()
    assert ServiceHours.objects.filter(status="approved", is_current=True).count() > 1000

    rng = random.Random(0)
    for model in (Member, Membership, Activity, SignUp, ServiceHours, ServiceGroup):
        pks = list(model.objects.order_by("-pk").values_list("pk", flat=True)[:2000])
        for obj in model.objects.filter(pk__in=rng.sample(pks, min(25, len(pks)))):
            obj.full_clean()
    assert_places_follow_the_rules()
    assert member_counts() == dict(
        Membership.objects.active().values_list("group").annotate(n=Count("pk")).order_by()
    )
    # The sequences moved on: the next row made the ordinary way gets a free key.
    Member.objects.create(full_name="新成员")

    client.force_login(User.objects.get(username="coordinator"))
    for address in ("/groups/ecommerce/roster/", "/groups/ecommerce/roster/?q=王", "/members/",
                    "/activities/", "/groups/ecommerce/dashboard/"):  # fmt: skip
        assert client.get(address).status_code == 200, address
    assert "王" in client.get("/groups/ecommerce/roster/?q=王").content.decode()
    client.force_login(User.objects.get(username="volunteer"))
    assert client.get("/members/me/").status_code == 200


def assert_places_follow_the_rules():
    """No activity holds more than its places; nobody waits while a place is free; a
    member signs up for an activity once; hours never exceed the activity's length."""
    holding = Q(signups__status__in=SignUp.HOLDS_PLACE)
    activities = Activity.objects.annotate(
        held=Count("signups", filter=holding),
        waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITING)),
    )
    assert not activities.filter(capacity__isnull=False, held__gt=F("capacity")).exists()
    assert not activities.filter(waiting__gt=0, capacity__isnull=True).exists()
    assert not activities.filter(waiting__gt=0, held__lt=F("capacity")).exists()
    pairs = SignUp.objects.values("activity", "member").annotate(n=Count("pk")).filter(n__gt=1)
    assert not pairs.exists()
    now = timezone.now()
    for entry in ServiceHours.objects.select_related("signup__activity")[:500]:
        assert entry.hours <= entry.signup.activity.duration_hours
        assert entry.signup.attended and entry.signup.activity.ends_at < now


@pytest.mark.postgres
@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_scale_refuses_to_run_before_seed_demo():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_scale", **SIZE)
    assert not Member.objects.exists()


@override_settings(DEBUG=True)
def test_seed_scale_refuses_to_run_on_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("seed_scale", **SIZE)


def test_the_same_seed_gives_the_same_rows():
    def rows(seed):
        rng = random.Random(seed)
        now = datetime.datetime(2026, 3, 1, 8, tzinfo=datetime.UTC)
        clock = scale.Clock(now, datetime.timezone(datetime.timedelta(hours=8)), 2300, 70)
        people = scale.People(rng, clock, [1, 2] * 50, 100)
        ids = {"skills": 0, "memberships": 0}
        return list(scale.member_rows(rng, clock, people, [1, 2, 3], set(), ids, {1: 7, 2: 7}))

    assert rows(5) == rows(5) != rows(6)
