"""Reads that activity pages share: lists with places left, star levels, dashboards."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from activities.models import Activity, HoursCorrectionRequest, ServiceHours, SignUp
from activities.permissions import activity_policy
from groups.models import Membership


def activities_for_listing(user):
    """Visible activities with ``taken`` places, for a whole page in one query."""
    return (
        activity_policy.visible(user)
        .with_taken()
        .select_related("group", "brand")
        .prefetch_related("themes")
    )


@dataclass
class StarLevel:
    stars: int
    total: Decimal
    next_threshold: int | None
    to_next: Decimal | None
    progress: int  # percent of the way from the last threshold to the next
    levels: int = 5  # how many stars there are (thresholds are configurable)

    @property
    def shown(self) -> list[bool]:
        return [i < self.stars for i in range(self.levels)]


def star_level(total: Decimal, thresholds: list[int] | None = None) -> StarLevel:
    """Stars by cumulative approved hours; at a threshold exactly, the star is earned."""
    thresholds = sorted(thresholds or settings.STAR_THRESHOLDS)
    total = Decimal(total or 0)
    stars = sum(1 for t in thresholds if total >= t)
    if stars == len(thresholds):
        return StarLevel(stars, total, None, None, 100, len(thresholds))
    low = Decimal(thresholds[stars - 1]) if stars else Decimal(0)
    high = Decimal(thresholds[stars])
    progress = int((total - low) / (high - low) * 100)
    return StarLevel(
        stars, total, thresholds[stars], high - total, max(0, min(progress, 99)), len(thresholds)
    )


def member_service_record(member) -> dict:
    """What the volunteer's own page shows about activities, in a fixed number of queries."""
    now = timezone.now()
    approved = (
        ServiceHours.objects.filter(
            signup__member=member, status=ServiceHours.Status.APPROVED, is_current=True
        )
        .select_related("signup__activity__group")
        .order_by("-signup__activity__starts_at")
    )
    entries = list(approved)
    total = sum((e.hours for e in entries), Decimal("0"))
    ahead = (
        SignUp.objects.filter(activity=OuterRef("activity"), status=SignUp.Status.WAITING)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lte=OuterRef("pk"))
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    upcoming = list(
        SignUp.objects.live()
        .filter(member=member, activity__ends_at__gte=now)
        .exclude(activity__status=Activity.Status.CANCELLED)
        .annotate(position=Subquery(ahead))
        .select_related("activity__group")
        .order_by("activity__starts_at")
    )
    past = list(
        SignUp.objects.filter(
            member=member, activity__starts_at__lt=now, status=SignUp.Status.CONFIRMED
        )
        .select_related("activity__group")
        .prefetch_related("hours", "corrections")
        .order_by("-activity__starts_at")[:50]
    )
    trainings = [s for s in past if s.activity.kind == Activity.Kind.TRAINING and s.attended]
    return {
        "approved_entries": entries,
        "total_hours": total,
        "stars": star_level(total),
        "upcoming_signups": upcoming,
        "past_signups": past,
        "trainings": trainings,
    }


def group_dashboard(group) -> dict:
    """The coordinator's dashboard for one group; each part is one query."""
    now = timezone.now()
    upcoming = list(
        Activity.objects.filter(group=group, ends_at__gte=now)
        .exclude(status=Activity.Status.CANCELLED)
        .exclude(status=Activity.Status.COMPLETED)
        .with_taken()
        .annotate(
            waiting=Count("signups", filter=Q(signups__status=SignUp.Status.WAITING), distinct=True)
        )
        .order_by("starts_at")[:20]
    )
    for activity in upcoming:
        activity.fill = int(activity.taken * 100 / activity.capacity) if activity.capacity else None
    pending = list(
        Membership.objects.pending()
        .filter(group=group)
        .select_related("member")
        .order_by("created_at")[:10]
    )
    hours_waiting = (
        ServiceHours.objects.filter(
            signup__activity__group=group, status=ServiceHours.Status.PROPOSED, is_current=True
        )
        .values("signup__activity", "signup__activity__title")
        .annotate(n=Count("pk"), total=Sum("hours"))
        .order_by("signup__activity__title")
    )
    corrections = HoursCorrectionRequest.objects.filter(
        signup__activity__group=group, status=HoursCorrectionRequest.Status.OPEN
    ).count()
    cancellations = list(
        SignUp.objects.filter(
            activity__group=group,
            status=SignUp.Status.CANCELLED,
            cancelled_at__gte=now - datetime.timedelta(days=14),
        )
        .select_related("member", "activity")
        .order_by("-cancelled_at")[:10]
    )
    return {
        "upcoming": upcoming,
        "pending_applications": pending,
        "hours_waiting": list(hours_waiting),
        "open_corrections": corrections,
        "recent_cancellations": cancellations,
    }


def month_grid(year: int, month: int, activities) -> list[list[tuple[datetime.date, list]]]:
    """Weeks of (day, activities that day) for a month calendar, Monday first."""
    by_day: dict[datetime.date, list] = {}
    for activity in activities:
        by_day.setdefault(timezone.localtime(activity.starts_at).date(), []).append(activity)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [[(day, by_day.get(day, [])) for day in week] for week in weeks]
