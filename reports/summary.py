"""The public summary of impact (the home page's band and ``/about/impact/``): what the
groups achieved since the founding and this year, with no personal data.

Every figure is a database aggregate: one grouped query per model gives every group's
figures for both periods at once (conditional aggregates), and one more counts the
volunteers of all groups together (a volunteer of two groups is one volunteer). Only
numbers are cached (no names, no rendered text, so one entry serves every language), for
an hour at most, and the entry is dropped after the commit of anything that changes them:
hours approved or corrected, a request completed, rated or closed, an activity completed
or cancelled.

The rules, as the page states them:

* volunteers: members whose record is active, with at least one approved, current hours
  entry (this year: for an activity that started this year);
* activities: those held: published or completed (not a draft, not cancelled) and ended;
  this year by their start;
* service hours: the approved, current entries (a corrected entry counts once: the
  correction supersedes it); this year by the activity's start;
* requests completed: completed, rated or closed (a withdrawn one never is); this year by
  the date of completion; the average rating is over the rated ones among them;
* people served: a completed request counts the people its group reported when completing
  it (or, if none, those reported on its activity); every other activity held counts its
  own. So a service is counted once, whether it was ordered or organised by the group.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import Activity, ServiceHours
from groups.models import ServiceGroup
from members.models import Member
from reports import periods
from service_requests.models import ServiceRequest

CACHE_SECONDS = 3600  # "at least hourly": figures that change with time alone (an
# activity ending) are never older than this
DONE = (
    ServiceRequest.Status.COMPLETED,
    ServiceRequest.Status.RATED,
    ServiceRequest.Status.CLOSED,
)
HELD = (Activity.Status.PUBLISHED, Activity.Status.COMPLETED)
ZERO_HOURS = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


@dataclass(frozen=True)
class Figures:
    """One group's (or everyone's) figures over one period."""

    volunteers: int = 0
    activities: int = 0
    hours: Decimal = Decimal("0")
    people_served: int = 0
    requests_completed: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def average_rating(self) -> Decimal | None:
        """One decimal; ``None`` with no ratings (the page shows "—")."""
        if not self.rating_count:
            return None
        mean = Decimal(self.rating_sum) / Decimal(self.rating_count)
        return mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Both:
    """Since the founding, and this year."""

    ever: Figures = field(default_factory=Figures)
    year: Figures = field(default_factory=Figures)


@dataclass(frozen=True)
class Summary:
    year: int
    total: Both
    groups: dict[int, Both]  # by group id; a group with nothing done has no entry

    def for_group(self, group_id: int) -> Both:
        return self.groups.get(group_id, Both())


@dataclass(frozen=True)
class GroupRow:
    """A row of the page's per-group table: the group (for its name) and its figures."""

    group: ServiceGroup
    figures: Both


GENERATION_KEY = "reports:impact-summary:generation"


def cache_key(year: int, generation: int = 0) -> str:
    # The year is in the key: on 1 January this year's figures start from nothing. The
    # generation moves on with every change (``invalidate``): figures a slow reader
    # computed before a change are stored under the old one, and never read again.
    return f"reports:impact-summary:v1:{year}:{generation}"


def impact_summary() -> Summary:
    """The figures, from the cache when they are there (no query), else computed (four
    queries, whatever the number of rows) and cached."""
    period = periods.quick_pick(periods.THIS_YEAR)
    key = cache_key(period.start.year, cache.get(GENERATION_KEY, 0))
    summary = cache.get(key)
    if summary is None:
        summary = compute(period)
        cache.set(key, summary, CACHE_SECONDS)
    return summary


def impact_rows(summary: Summary) -> list[GroupRow]:
    """The active groups in display order, each with its figures (zeros when it has done
    nothing yet): one query, for the groups' names."""
    return [GroupRow(group, summary.for_group(group.pk)) for group in ServiceGroup.objects.active()]


def invalidate() -> None:
    """Make the cached figures old now: the next reader computes them afresh. With
    several app servers the cache must be shared (``CACHE_URL``, Redis) for this to reach
    them all; a cache per process refreshes the others within the hour."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): any value but the last one read
        cache.set(GENERATION_KEY, time.time_ns(), None)


def invalidate_after_commit() -> None:
    transaction.on_commit(invalidate)


# Connected at start-up (reports/apps.py). Requests and activities are saved one by one
# (post_save); approving hours is a bulk update, so the hours services call their hooks.


def request_saved(sender, instance, raw=False, **kwargs) -> None:
    """A request completed, rated or closed (or edited since): its figures changed."""
    if not raw and instance.status in DONE:
        invalidate_after_commit()


def activity_saved(sender, instance, raw=False, **kwargs) -> None:
    """An activity completed (with the people it served) or cancelled."""
    if not raw and instance.status in (Activity.Status.COMPLETED, Activity.Status.CANCELLED):
        invalidate_after_commit()


def compute(period: periods.Period) -> Summary:
    now = timezone.now()
    groups: dict[int, dict[str, dict]] = {}

    def add(group_id, which: str, **figures) -> None:
        if group_id is None:
            return
        slot = groups.setdefault(group_id, {"ever": {}, "year": {}})[which]
        for name, value in figures.items():
            slot[name] = slot.get(name, 0) + (value or 0)

    for row in _activities(period, now):
        add(row["group"], "ever", activities=row["n"], people_served=row["served"])
        add(row["group"], "year", activities=row["n_y"], people_served=row["served_y"])
    for row in _requests(period):
        add(
            row["group"], "ever",
            requests_completed=row["n"], people_served=row["served"],
            rating_sum=row["r_sum"], rating_count=row["r_n"],
        )  # fmt: skip
        add(
            row["group"], "year",
            requests_completed=row["n_y"], people_served=row["served_y"],
            rating_sum=row["r_sum_y"], rating_count=row["r_n_y"],
        )  # fmt: skip
    for row in _hours(period):
        add(row["group"], "ever", hours=row["h"], volunteers=row["v"])
        add(row["group"], "year", hours=row["h_y"], volunteers=row["v_y"])

    by_group = {
        pk: Both(Figures(**slots["ever"]), Figures(**slots["year"])) for pk, slots in groups.items()
    }
    volunteers = _volunteers_overall(period)
    total = Both(
        replace(_sum(b.ever for b in by_group.values()), volunteers=volunteers["v"]),
        replace(_sum(b.year for b in by_group.values()), volunteers=volunteers["v_y"]),
    )
    return Summary(year=period.start.year, total=total, groups=by_group)


def _sum(figures) -> Figures:
    """Add up the groups' figures (a handful of rows already aggregated by the database);
    volunteers are counted apart, as one person may serve in several groups."""
    total = {}
    for one in figures:
        for name, value in vars(one).items():
            total[name] = total.get(name, 0) + value
    return Figures(**total)


def _in_year(field_name: str, period: periods.Period) -> Q:
    return Q(**{f"{field_name}__gte": period.start_at, f"{field_name}__lt": period.end_at})


def _activities(period, now):
    """Activities held per group, and the people they served when no completed request
    reports them instead (a request's activity is counted through the request)."""
    held = Q(status__in=HELD, ends_at__lt=now)
    year = _in_year("starts_at", period)
    own = held & ~Q(service_request__status__in=DONE)
    return (
        Activity.objects.values("group")
        .annotate(
            n=Count("pk", filter=held),
            n_y=Count("pk", filter=held & year),
            served=Sum("beneficiaries", filter=own),
            served_y=Sum("beneficiaries", filter=own & year),
        )
        .order_by()
    )


def _requests(period):
    done = ServiceRequest.objects.filter(status__in=DONE, group__isnull=False)
    year = _in_year("completed_at", period)
    served = Coalesce(F("people_served"), F("activity__beneficiaries"))
    return (
        done.values("group")
        .annotate(
            n=Count("pk"),
            n_y=Count("pk", filter=year),
            served=Sum(served),
            served_y=Sum(served, filter=year),
            r_sum=Sum("rating"),
            r_n=Count("rating"),
            r_sum_y=Sum("rating", filter=year),
            r_n_y=Count("rating", filter=year),
        )
        .order_by()
    )


def _approved_hours():
    return ServiceHours.objects.filter(status=ServiceHours.Status.APPROVED, is_current=True)


def _volunteer_counts(period) -> dict:
    active = Q(signup__member__status=Member.Status.ACTIVE)
    year = _in_year("signup__activity__starts_at", period)
    return {
        "v": Count("signup__member", filter=active, distinct=True),
        "v_y": Count("signup__member", filter=active & year, distinct=True),
    }


def _hours(period):
    year = _in_year("signup__activity__starts_at", period)
    return (
        _approved_hours()
        .values(group=F("signup__activity__group"))
        .annotate(
            h=Coalesce(Sum("hours"), ZERO_HOURS),
            h_y=Coalesce(Sum("hours", filter=year), ZERO_HOURS),
            **_volunteer_counts(period),
        )
        .order_by()
    )


def _volunteers_overall(period) -> dict:
    return _approved_hours().aggregate(**_volunteer_counts(period))
