"""A volunteer's own activities: the first few upcoming sign-ups and the latest service
record on their page, and the whole of both a link away."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from activities.models import Activity, HoursCorrectionRequest, ServiceHours, SignUp
from activities.selectors import star_level, waiting_place

UPCOMING_SHOWN = 10  # on the volunteer's own page; the rest a link away
RECORD_SHOWN = 10
# What no row of the two lists shows, left in the database (a description can be pages).
LONG_TEXTS = (
    "activity__description",
    "activity__report",
    "activity__group__mission_zh",
    "activity__group__mission_en",
)


def member_upcoming_signups(member, now: datetime.datetime | None = None):
    """The member's live sign-ups for activities not over yet, soonest first, with their
    ``position`` on a waiting list. Evaluate through :func:`member_signup_rows`."""
    return (
        SignUp.objects.live()
        .filter(member=member, activity__ends_at__gte=now or timezone.now())
        .exclude(activity__status=Activity.Status.CANCELLED)
        .annotate(position=waiting_place())
        .select_related("activity__group")
        .defer(*LONG_TEXTS)
        .order_by("activity__starts_at", "pk")
    )


def member_past_signups(member, now: datetime.datetime | None = None):
    """The member's service record: confirmed sign-ups for activities that have started,
    the latest first, each with its current hours entry (``hours_now``, ``hours_status``)
    and whether a correction request is open (``has_open_correction``), in the same query
    (two prefetches of every entry and request took longer than the rest of the list).
    Evaluate through :func:`member_signup_rows`."""
    current = ServiceHours.objects.filter(signup=OuterRef("pk"), is_current=True)
    open_requests = HoursCorrectionRequest.objects.filter(
        signup=OuterRef("pk"), status=HoursCorrectionRequest.Status.OPEN
    )
    return (
        SignUp.objects.filter(
            member=member,
            activity__starts_at__lt=now or timezone.now(),
            status=SignUp.Status.CONFIRMED,
        )
        .select_related("activity__group")
        .defer(*LONG_TEXTS)
        .annotate(
            hours_now=Subquery(current.values("hours")[:1]),
            hours_status=Subquery(current.values("status")[:1]),
            has_open_correction=Exists(open_requests),
        )
        .order_by("-activity__starts_at", "-pk")
    )


def member_signup_rows(signups, member, *, record: bool = False) -> list[SignUp]:
    """The rows of one of the querysets above (or a slice of one), with what their rules
    and the page read set without a query per row (``record``: the label of the current
    hours entry's status)."""
    rows = list(signups)
    for signup in rows:
        signup.member = member  # the rules ask whose sign-up it is
        if record:
            status = signup.hours_status
            signup.hours_status_label = ServiceHours.Status(status).label if status else ""
    return rows


def approved_hours():
    """A member's approved hours, as an annotation of a member query (``OuterRef("pk")``):
    added up by the database (with 500 entries: 3 ms, where loading them to add them up took
    38 ms), in the query that loads the member."""
    total = (
        ServiceHours.objects.filter(
            signup__member=OuterRef("pk"), status=ServiceHours.Status.APPROVED, is_current=True
        )
        .order_by()
        .values("signup__member")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(Decimal("0")), output_field=DecimalField())


def member_service_record(member) -> dict:
    """What the volunteer's own page shows about activities, in a fixed number of queries:
    the first few upcoming sign-ups and the latest service record (a link shows them all).
    ``member`` was loaded with ``approved_hours`` annotated (see there)."""
    now = timezone.now()
    total = member.approved_hours
    # One row more than shown tells whether there are more, without counting them all.
    upcoming = member_signup_rows(
        member_upcoming_signups(member, now)[: UPCOMING_SHOWN + 1], member
    )
    past = member_signup_rows(
        member_past_signups(member, now)[: RECORD_SHOWN + 1], member, record=True
    )
    trainings = list(
        SignUp.objects.filter(
            member=member,
            status=SignUp.Status.CONFIRMED,
            attended=True,
            activity__kind=Activity.Kind.TRAINING,
            activity__starts_at__lt=now,
        )
        .select_related("activity")
        .only("activity__title", "activity__starts_at")  # what the list shows
        .order_by("-activity__starts_at", "-pk")
    )
    return {
        "total_hours": total,
        "stars": star_level(total),
        "upcoming_signups": upcoming[:UPCOMING_SHOWN],
        "more_upcoming": len(upcoming) > UPCOMING_SHOWN,
        "past_signups": past[:RECORD_SHOWN],
        "more_past": len(past) > RECORD_SHOWN,
        "trainings": trainings,
    }
