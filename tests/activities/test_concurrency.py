"""Many people pressing the button at once: never overbooked, never signed up twice.

Real threads, each with its own database connection, against PostgreSQL (SQLite has no
row locks and serialises writers anyway, so these run in CI on PostgreSQL).
"""

import threading
import time

import pytest
from django.db import connection

from activities import selectors, services
from activities.models import SignUp
from tests.factories import ActivityFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(functions) -> tuple[list, float]:
    """Start all functions at the same moment in threads; return their errors."""
    barrier = threading.Barrier(len(functions))
    errors = []

    def runner(function):
        try:
            barrier.wait()
            function()
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(f,)) for f in functions]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors, time.monotonic() - started


def test_thirty_simultaneous_sign_ups_for_five_places(make_volunteer, ecommerce, capsys):
    activity = ActivityFactory(capacity=5)
    users = [make_volunteer() for _ in range(30)]
    errors, elapsed = run_together(
        [lambda u=u: services.signup_create(actor=u, activity=activity) for u in users]
    )
    assert errors == []
    signups = list(SignUp.objects.filter(activity=activity).order_by("created_at", "pk"))
    assert len(signups) == 30
    assert sum(s.status == "confirmed" for s in signups) == 5
    assert sum(s.status == "waiting" for s in signups) == 25
    # First come, first served: the confirmed are the five earliest, in order.
    assert [s.status for s in signups] == ["confirmed"] * 5 + ["waiting"] * 25
    positions = [selectors.waiting_position(s) for s in signups[5:]]
    assert positions == list(range(1, 26))
    with capsys.disabled():
        print(f"\n30 concurrent sign-ups on PostgreSQL: {elapsed:.2f} s")


def test_one_volunteer_clicking_many_times_gets_one_sign_up(make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=5)
    user = make_volunteer()
    errors, _ = run_together(
        [lambda: services.signup_create(actor=user, activity=activity) for _ in range(10)]
    )
    assert SignUp.objects.live().filter(activity=activity).count() == 1
    assert len(errors) == 9  # each refused with "already signed up"


def test_cancellations_racing_new_sign_ups_never_overbook(make_volunteer, ecommerce):
    activity = ActivityFactory(capacity=5)
    holders = [make_volunteer() for _ in range(5)]
    waiting = [make_volunteer() for _ in range(10)]
    for user in holders + waiting:
        services.signup_create(actor=user, activity=activity)
    newcomers = [make_volunteer() for _ in range(10)]
    held = {u.pk: SignUp.objects.get(member__user=u) for u in holders}
    errors, _ = run_together(
        [lambda u=u: services.signup_cancel(actor=u, signup=held[u.pk]) for u in holders]
        + [lambda u=u: services.signup_create(actor=u, activity=activity) for u in newcomers]
    )
    assert errors == []
    confirmed = SignUp.objects.filter(activity=activity, status="confirmed")
    assert confirmed.count() == 5
    # The places went to the first five who were already waiting, not to newcomers.
    assert set(confirmed.values_list("member__user", flat=True)) == {u.pk for u in waiting[:5]}
    assert SignUp.objects.filter(activity=activity, status="waiting").count() == 15


def test_simultaneous_sign_ups_for_two_overlapping_activities_confirm_only_one(
    make_volunteer, ecommerce
):
    first = ActivityFactory(capacity=5)
    second = ActivityFactory(capacity=5, starts_at=first.starts_at, ends_at=first.ends_at)
    for _ in range(5):  # repeat: a race shows itself only sometimes
        user = make_volunteer()
        errors, _ = run_together(
            [
                lambda u=user: services.signup_create(actor=u, activity=first),
                lambda u=user: services.signup_create(actor=u, activity=second),
            ]
        )
        assert SignUp.objects.filter(member=user.member, status="confirmed").count() == 1
        assert len(errors) == 1


def test_filling_hours_while_a_coordinator_sets_one_row_neither_fails_nor_doubles(
    coordinator, ecommerce
):
    """'Fill in from attendance' waits for the row someone is setting, then sees the hours
    they committed (not the snapshot from before the wait) and leaves that row alone."""
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from activities.models import ServiceHours
    from tests.factories import SignUpFactory

    start = timezone.now() - datetime.timedelta(hours=4)
    activity = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    first, second = (SignUpFactory(activity=activity, attended=True) for _ in range(2))
    setting = threading.Event()

    def set_one_row():
        with transaction.atomic():
            services.hours_propose(actor=coordinator, signup=first, hours=Decimal("1.5"))
            setting.set()
            time.sleep(0.5)  # still holding the sign-up's lock

    def fill_all():
        setting.wait(5)
        services.hours_propose_attended(actor=coordinator, activity=activity)

    errors, _ = run_together([set_one_row, fill_all])
    assert errors == []
    assert ServiceHours.objects.get(signup=first).hours == Decimal("1.5")
    assert ServiceHours.objects.get(signup=second).hours == Decimal("3.00")
