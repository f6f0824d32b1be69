"""Demo data with a past (``seed_demo``): rows inserted in bulk with the dates they would
really have, and the change history the services would have written, each step at its own
time. Sign-ups go through the waiting list's rules (a place freed goes to the first who
waits, recorded as ``SignUpEvent.PROMOTED``), attendance and hours through the record
rules (approved after the activity ended, corrections supersede). Only fictional demo data
is written this way; real writes go through the services.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime
import random
from collections import defaultdict, deque, namedtuple
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from itertools import accumulate

from django.db.models import Q
from django.utils import timezone

from activities.models import Activity, HoursEvent, ServiceHours, SignUp, SignUpEvent
from groups.models import Membership

BATCH = 2000
CANCEL_SHARE = 0.05  # of sign-ups, cancelled before the start
ATTEND_SHARE = 0.93  # of those confirmed at the start
CORRECTED_SHARE = 0.012  # of approved entries, corrected later
CORRECTION_NOTE = "核对签到记录后更正（演示）。"
# Busier in spring and autumn, quiet around the Spring Festival and in the summer heat.
MONTH_WEIGHTS = {1: 0.9, 2: 0.5, 3: 1.0, 4: 1.1, 5: 1.1, 6: 0.9,
                 7: 0.7, 8: 0.8, 9: 1.2, 10: 1.2, 11: 1.3, 12: 1.0}  # fmt: skip
Volunteer = namedtuple("Volunteer", "pk user_id")


@dataclass
class Step:
    """One change of a row: when, why (a named event), by whom, and the fields it set."""

    when: datetime.datetime
    event: str
    user_id: int | None = None
    changes: dict = field(default_factory=dict)


@contextlib.contextmanager
def backdated(model, *names: str):
    """Bulk inserts keep the given ``auto_now_add`` dates instead of today's."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def insert_with_history(model, rows: list[tuple], *, dated: tuple[str, ...] = ()) -> list:
    """Insert ``rows`` ``[(obj, [Step, ...])]`` and their history: ``obj`` is the row as it
    was first saved, each step's changes apply in turn (the first step is the creation),
    and it is stored as it ended. ``dated``: ``auto_now_add`` fields the objects carry.
    Two bulk inserts whatever the number of rows."""
    if not rows:
        return []
    history = model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    pk = model._meta.pk.attname
    late = {pk} | {
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False)
        or (getattr(f, "auto_now_add", False) and f.name not in dated)
    }
    snapshots = []
    for obj, steps in rows:
        for number, step in enumerate(steps):
            for name, value in step.changes.items():
                setattr(obj, name, value)
            values = {name: getattr(obj, name) for name in tracked if name not in late}
            snapshots.append((obj, step, "~" if number else "+", values))
    objs = [obj for obj, _ in rows]
    with backdated(model, *dated):
        model.objects.bulk_create(objs, batch_size=BATCH)
    assert objs[0].pk is not None, "the database must return the new keys"
    records = []
    for obj, step, kind, values in snapshots:
        for name in late & set(tracked):
            values[name] = getattr(obj, name)
        records.append(
            history(
                history_date=step.when,
                history_user_id=step.user_id,
                history_change_reason=str(step.event),
                history_type=kind,
                **values,
            )
        )
    history.objects.bulk_create(records, batch_size=BATCH)
    return objs


def signup_story(
    activity: Activity,
    members: list,
    *,
    rng: random.Random,
    opens: datetime.datetime,
    closes: datetime.datetime,
    oversubscribed: bool = False,
) -> list[tuple]:
    """The sign-ups of ``members`` (each with ``pk`` and ``user_id``), in that order,
    between ``opens`` and ``closes``: confirmed while places remain, then waiting; some
    cancel, and each place freed goes to the first who waits (promoted). When the
    activity is ``oversubscribed`` its first sign-up cancels after everyone signed up, so
    the waiting list moves. Rows for :func:`insert_with_history`."""
    if closes <= opens or not members:
        return []
    span = (closes - opens).total_seconds()
    times = sorted(opens + datetime.timedelta(seconds=span * rng.random()) for _ in members)
    happenings, stories = [], []
    for order, (member, when) in enumerate(zip(members, times, strict=True)):
        signup = SignUp(activity=activity, member_id=member.pk, created_at=when)
        stories.append((signup, [Step(when, SignUpEvent.SIGNED_UP, member.user_id)]))
        happenings.append((when, order, 0, "signup"))
        forced = oversubscribed and order == 0
        if forced or rng.random() < CANCEL_SHARE:
            start = times[-1] if forced else when
            happenings.append(
                (start + (closes - start) * rng.uniform(0.2, 0.9), order, 1, "cancel")
            )
    happenings.sort()
    status, waiting, confirmed = {}, deque(), 0
    for when, order, _, what in happenings:
        signup, story = stories[order]
        if what == "signup":
            full = activity.capacity is not None and confirmed >= activity.capacity
            status[order] = SignUp.Status.WAITING if full else SignUp.Status.CONFIRMED
            story[0].changes["status"] = status[order]
            if full:
                waiting.append(order)
            else:
                confirmed += 1
            continue
        changes = {"status": SignUp.Status.CANCELLED, "cancelled_at": when}
        story.append(Step(when, SignUpEvent.CANCELLED, story[0].user_id, changes))
        if status[order] == SignUp.Status.WAITING:
            waiting.remove(order)
        elif waiting:  # the place goes to the first who waits
            first = waiting.popleft()
            status[first] = SignUp.Status.CONFIRMED
            promoted = Step(when, SignUpEvent.PROMOTED, None, {"status": status[first]})
            stories[first][1].append(promoted)
        else:
            confirmed -= 1
        status[order] = SignUp.Status.CANCELLED
    return stories


def final_status(story: list[Step]) -> str:
    return [s.changes["status"] for s in story if "status" in s.changes][-1]


def record_attendance(
    rows: list[tuple], activity: Activity, *, rng: random.Random, when, by: int | None
) -> list[SignUp]:
    """The coordinator marks, at ``when``, who came: most of those confirmed, checked in
    about the start (a few late) and out at the end (one in seven an hour early on a long
    activity). Returns the sign-ups of those who came."""
    came = []
    for signup, story in rows:
        if final_status(story) != SignUp.Status.CONFIRMED:
            continue
        if rng.random() >= ATTEND_SHARE:
            story.append(Step(when, SignUpEvent.ATTENDANCE, by, {"attended": False}))
            continue
        late = rng.choice((-15, -10, -5, 0, 0, 0, 5, 10, 30))
        early = 60 if activity.duration_hours > 2 and rng.random() < 1 / 7 else 0
        changes = {
            "attended": True,
            "checked_in_at": activity.starts_at + datetime.timedelta(minutes=late),
            "checked_out_at": activity.ends_at - datetime.timedelta(minutes=early),
        }
        story.append(Step(when, SignUpEvent.ATTENDANCE, by, changes))
        came.append(signup)
    return came


def served_hours(signup: SignUp) -> Decimal:
    """Checked-in time (to the hundredth, rounded down), never more than the activity
    lasted."""
    seconds = (signup.checked_out_at - signup.checked_in_at).total_seconds()
    served = (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return min(served, signup.activity.duration_hours)


def insert_hours(
    items: list[tuple], *, rng: random.Random, now, corrections: float = CORRECTED_SHARE
) -> int:
    """Hours for attended sign-ups ``[(signup, proposed at, approved at or None, by)]``:
    proposed from attendance, approved (or still waiting); a share (``corrections``) of
    the approved ones corrected later by a new entry that supersedes them. Returns how many
    entries were made."""
    rows, corrected = [], []
    for signup, proposed, approved, by in items:
        entry = ServiceHours(
            signup_id=signup.pk,
            hours=served_hours(signup),
            recorded_by_id=by,
            recorded_at=proposed,
        )
        story = [Step(proposed, HoursEvent.PROPOSED, by)]
        if approved is not None:
            changes = {"status": ServiceHours.Status.APPROVED, "approved_by_id": by}
            story.append(
                Step(approved, HoursEvent.APPROVED, by, changes | {"approved_at": approved})
            )
            fixed = approved + datetime.timedelta(days=rng.uniform(2, 30))
            if fixed < now and rng.random() < corrections:
                story.append(Step(fixed, HoursEvent.SUPERSEDED, by, {"is_current": False}))
                corrected.append((entry, signup, fixed, by))
        rows.append((entry, story))
    insert_with_history(ServiceHours, rows, dated=("recorded_at",))
    fixes = []
    for old, signup, fixed, by in corrected:
        length = signup.activity.duration_hours
        hours = length if old.hours < length else max(length - Decimal("0.5"), Decimal("0.5"))
        entry = ServiceHours(
            signup_id=signup.pk,
            hours=hours,
            status=ServiceHours.Status.APPROVED,
            supersedes_id=old.pk,
            note=CORRECTION_NOTE,
            recorded_by_id=by,
            recorded_at=fixed,
            approved_by_id=by,
            approved_at=fixed,
        )
        fixes.append((entry, [Step(fixed, HoursEvent.CORRECTION, by)]))
    insert_with_history(ServiceHours, fixes, dated=("recorded_at",))
    return len(rows) + len(fixes)


def at(day: datetime.date, hour: float) -> datetime.datetime:
    """``hour`` o'clock, local time, on ``day``."""
    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return midnight + datetime.timedelta(hours=hour)


def seasonal_day(rng: random.Random, now, nearest: int, farthest: int) -> datetime.date:
    """A day between ``nearest`` and ``farthest`` days ago, the busier months likelier."""
    today = timezone.localtime(now).date()
    while True:
        day = today - datetime.timedelta(days=rng.randint(nearest, farthest))
        if rng.random() * 1.3 < MONTH_WEIGHTS[day.month]:
            return day


def group_pools(phone_prefixes: tuple[str, ...]) -> dict[int, tuple]:
    """Per group, the members who may sign up, by the date they were accepted:
    ``(dates, volunteers, cumulative weights, left_at by member)``. Some members are far
    keener than others (a few earn a star in the year), some hardly ever come."""
    rows = defaultdict(list)
    phones = Q()
    for prefix in phone_prefixes:
        phones |= Q(member__phone__startswith=prefix)
    memberships = Membership.objects.filter(
        phones, status__in=(Membership.Status.ACTIVE, Membership.Status.LEFT)
    ).values_list(
        "group_id", "decided_at", "left_at", "member_id", "member__user_id", "member__phone"
    )
    for group_id, decided, left, pk, user_id, phone in memberships.order_by():
        rng = random.Random(f"keen-{phone}")
        keen = 0.1 if rng.random() < 0.25 else rng.lognormvariate(0, 1.2)
        since = decided or datetime.datetime.min.replace(tzinfo=datetime.UTC)
        rows[group_id].append((since, pk, user_id, keen, left))
    pools = {}
    for group_id, found in rows.items():
        found.sort(key=lambda row: (row[0], row[1]))
        pools[group_id] = (
            [row[0] for row in found],
            [Volunteer(row[1], row[2]) for row in found],
            list(accumulate(row[3] for row in found)),
            {row[1]: row[4] for row in found},
        )
    return pools


def pick_volunteers(pool, wanted: int, start, rng, busy: dict) -> list[Volunteer]:
    """Up to ``wanted`` of the group's members at ``start`` (accepted the day before, not
    left yet, nothing else that day), the keen ones likelier."""
    if not pool or wanted <= 0:
        return []
    dates, people, weights, left = pool
    known = bisect.bisect_right(dates, start - datetime.timedelta(days=1))
    if not known:
        return []
    day = timezone.localtime(start).date()
    chosen, seen = [], set()
    for _ in range(4):
        for person in rng.choices(people[:known], cum_weights=weights[:known], k=wanted * 2):
            gone = left[person.pk]
            if person.pk in seen or (gone and gone <= start) or day in busy[person.pk]:
                continue
            seen.add(person.pk)
            chosen.append(person)
            busy[person.pk].add(day)
            if len(chosen) == wanted:
                return chosen
    return chosen


def busy_days() -> defaultdict:
    """The days each member already has a live sign-up on (nobody is in two places)."""
    busy = defaultdict(set)
    for member_id, start in SignUp.objects.live().values_list("member_id", "activity__starts_at"):
        busy[member_id].add(timezone.localtime(start).date())
    return busy
