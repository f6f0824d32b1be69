"""Reads that activity pages and services share: listings with places left, sign-up state,
waiting positions, default hours, check-in codes, star levels, dashboards."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.hours_waiting import hours_waiting_of
from activities.models import Activity, HoursCorrectionRequest, ServiceHours, SignUp
from activities.models.activity import signups_counted
from activities.permissions import activity_policy, signup_state
from groups.models import Membership
from members.models import Member
from members.selectors import by_name

CHECKIN_SALT = "activities.checkin"
CHECKIN_CODE_SECONDS = 60  # the code on the coordinator's screen changes this often
CHECKIN_EXPIRED_MESSAGE = gettext_noop(
    "This code has expired; scan the code on the coordinator's screen again."
)


def activities_for_listing(user):
    """Visible activities with ``taken`` and ``places_left``, for a whole page in one query,
    and their themes as a plain list (``theme_list``: a prefetch into ``activity.themes``
    builds a manager and a queryset for each card, and reading it another pair)."""
    return (
        activity_policy.instances_for(user)
        .with_taken()
        .select_related("group", "brand")
        # What no card shows, left in the database (a description can be pages).
        .defer(
            "description", "report", "group__mission_zh", "group__mission_en", "brand__description"
        )  # fmt: skip
        .prefetch_related(Prefetch("themes", to_attr="theme_list"))
    )


# Apps above this one add a box to an activity's page (service requests: the requester,
# for the volunteers serving them): callables (user, activity) -> a dict with "template"
# and its context, or None. Registered at start-up (AppConfig.ready).
ACTIVITY_PAGE_PANELS: list = []


def activity_page(user, activity: Activity) -> dict:
    """What the activity page shows about the visitor: their sign-up and whether (and why
    not) they may sign up, by the rule ``signup_create`` applies."""
    now = timezone.now()
    member = mine = clash = None
    is_group_member = False
    if user.is_authenticated:
        member = Member.objects.filter(user=user).first()
    if member is not None:
        mine = SignUp.objects.live().filter(activity=activity, member=member).first()
        if mine is None:
            clash = overlapping_signup(activity, member)
            is_group_member = (
                activity.eligibility == Activity.Eligibility.MEMBERS
                and Membership.objects.active()
                .filter(member=member, group_id=activity.group_id)
                .exists()
            )
    if mine is not None:
        mine.activity, mine.member = activity, member  # loaded already: the rules read them
    return {
        "my_signup": mine,
        "my_position": waiting_position(mine) if mine else None,
        "signup_state": signup_state(
            activity,
            now=now,
            anonymous=not user.is_authenticated,
            member=member,
            places_left=activity.places_left,
            live_signup=mine,
            is_group_member=is_group_member,
            clash=clash,
        ),
        "panels": [p for p in (panel(user, activity) for panel in ACTIVITY_PAGE_PANELS) if p],
    }


def confirmed_at_the_same_time(activity: Activity):
    """Confirmed sign-ups for other (not cancelled) activities that overlap ``activity``."""
    return (
        SignUp.objects.filter(status=SignUp.Status.CONFIRMED)
        .exclude(activity=activity)
        .filter(activity__starts_at__lt=activity.ends_at, activity__ends_at__gt=activity.starts_at)
        .exclude(activity__status=Activity.Status.CANCELLED)
    )


def overlapping_signup(activity: Activity, member) -> SignUp | None:
    """A confirmed sign-up of the member for another activity at the same time."""
    return (
        confirmed_at_the_same_time(activity)
        .filter(member=member)
        .select_related("activity")
        .first()
    )


def waiting_position(signup: SignUp) -> int | None:
    if signup.status != SignUp.Status.WAITING:
        return None
    ahead = SignUp.objects.filter(
        activity_id=signup.activity_id, status=SignUp.Status.WAITING
    ).filter(
        Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
    )
    return ahead.count() + 1


def waiting_place():
    """The outer sign-up's place on its activity's waiting list (a subquery: computed for
    the rows a page shows, not for the whole list)."""
    return Subquery(
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


def attendance_sheet(activity: Activity) -> list[SignUp]:
    signups = list(
        SignUp.objects.filter(activity=activity, status=SignUp.Status.CONFIRMED)
        .select_related("member")
        .order_by(by_name("member__full_name"), "pk")
    )
    for item in signups:
        item.activity = activity
    return signups


def hours_sheet(activity: Activity) -> list[SignUp]:
    """Confirmed participants with their current hours and open correction, in 3 queries."""
    signups = list(
        SignUp.objects.filter(activity=activity, status=SignUp.Status.CONFIRMED)
        .select_related("member")
        .prefetch_related(
            Prefetch("hours", queryset=ServiceHours.objects.filter(is_current=True)),
            Prefetch(
                "corrections",
                queryset=HoursCorrectionRequest.objects.filter(
                    status=HoursCorrectionRequest.Status.OPEN
                ),
            ),
        )
        .order_by(by_name("member__full_name"), "pk")
    )
    for item in signups:
        item.activity = activity  # already loaded: no query per row
        item.current = next(iter(item.hours.all()), None)
        item.open_correction = next(iter(item.corrections.all()), None)
        if item.open_correction is not None:
            item.open_correction.signup = item
        item.suggested = default_hours(item)
    return signups


def default_hours(signup: SignUp) -> Decimal:
    """From check-in and check-out when both are known, else the activity's duration."""
    if signup.checked_in_at and signup.checked_out_at:
        seconds = (signup.checked_out_at - signup.checked_in_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))
    return signup.activity.duration_hours


def approved_hours(member):
    return ServiceHours.objects.filter(
        signup__member=member, status=ServiceHours.Status.APPROVED, is_current=True
    )


def checkin_period(moment: datetime.datetime | None = None) -> int:
    """The number of the check-in code period ``moment`` falls in (now by default)."""
    return int((moment or timezone.now()).timestamp()) // CHECKIN_CODE_SECONDS


def checkin_token(activity: Activity, *, now: datetime.datetime | None = None) -> str:
    """Signed with SECRET_KEY: the activity, its start (a rescheduled activity needs a new
    code) and the period, so the code on the coordinator's screen changes every minute and
    a photo of it sent home soon stops working."""
    return signing.dumps(
        {"a": activity.pk, "s": activity.starts_at.isoformat(), "p": checkin_period(now)},
        salt=CHECKIN_SALT,
    )


def checkin_window(activity: Activity) -> tuple[datetime.datetime, datetime.datetime]:
    return activity.checkin_opens, activity.ends_at


def activity_for_token(token: str, *, now: datetime.datetime | None = None) -> Activity:
    """The activity of a scanned code. A code counts in its own period and the next, so
    one scanned just as the screen changed still works."""
    try:
        payload = signing.loads(token, salt=CHECKIN_SALT)
        activity = Activity.objects.select_related("group").get(pk=payload["a"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, Activity.DoesNotExist):
        raise ValidationError(
            _("This check-in code is not valid. Scan the code shown at the activity."),
            code="forged",
        ) from None
    if payload.get("s") != activity.starts_at.isoformat():
        raise ValidationError(_("This check-in code is out of date."), code="stale")
    current = checkin_period(now)
    if payload.get("p") not in (current, current - 1):
        raise ValidationError(_(CHECKIN_EXPIRED_MESSAGE), code="expired")
    return activity


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


DASHBOARD_ACTIVITIES = 20
DASHBOARD_HOURS = 10


def group_dashboard(group) -> dict:
    """The coordinator's dashboard for one group; each part is one query, and each list
    shows its first rows (one more is fetched to tell whether a "show all" is needed)."""
    now = timezone.now()
    upcoming = list(
        Activity.objects.filter(group=group, ends_at__gte=now)
        .exclude(status=Activity.Status.CANCELLED)
        .exclude(status=Activity.Status.COMPLETED)
        .with_taken(now)
        .annotate(waiting=signups_counted(SignUp.objects.filter(status=SignUp.Status.WAITING)))
        .defer("description", "report")
        .order_by("starts_at", "pk")[: DASHBOARD_ACTIVITIES + 1]
    )
    more_upcoming = len(upcoming) > DASHBOARD_ACTIVITIES
    upcoming = upcoming[:DASHBOARD_ACTIVITIES]
    for activity in upcoming:
        activity.fill = int(activity.taken * 100 / activity.capacity) if activity.capacity else None
    pending = list(
        Membership.objects.pending()
        .filter(group=group)
        .select_related("member")
        .only("created_at", "member__full_name")  # what the dashboard shows
        .order_by("created_at")[:10]
    )
    hours_waiting = hours_waiting_of(group)
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
        .only("cancelled_at", "member__full_name", "activity__title")
        .order_by("-cancelled_at")[:10]
    )
    return {
        "upcoming": upcoming,
        "more_upcoming": more_upcoming,
        "pending_applications": pending,
        "hours_waiting": hours_waiting[:DASHBOARD_HOURS],
        "hours_waiting_more": max(len(hours_waiting) - DASHBOARD_HOURS, 0),
        "open_corrections": corrections,
        "recent_cancellations": cancellations,
    }


DAY_SHOWN = 3  # activities in a day of the month calendar; the rest a link away


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    items: list  # the first ``DAY_SHOWN`` activities of the day
    more: int  # how many more that day (the day's list has them all)

    @property
    def iso(self) -> str:
        return self.day.isoformat()


def first_of_each_day(activities):
    """The first ``DAY_SHOWN`` activities of each day (local time) and, on each, how many
    the day has (``on_day``): a busy month's other activities are never loaded."""
    day = TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
    order = [F("starts_at").asc(), F("pk").asc()]
    return activities.annotate(
        nth=Window(RowNumber(), partition_by=[day], order_by=order),
        on_day=Window(Count("pk"), partition_by=[day]),
    ).filter(nth__lte=DAY_SHOWN)


def month_grid(year: int, month: int, activities) -> list[list[CalendarDay]]:
    """Weeks of days for a month calendar, Monday first. A busy day shows its first few
    activities and how many more: a cell cannot hold forty, and drawing every one was most
    of the page's time with a year of data. ``activities`` may be all of the month's or,
    from :func:`first_of_each_day`, the first few of each day with the day's count. Each
    gets its local start time as ``time_label`` (drawn twice: in the table and the
    agenda)."""
    by_day: dict[datetime.date, list] = {}
    counts: dict[datetime.date, int] = {}
    for activity in activities:
        starts = timezone.localtime(activity.starts_at)
        activity.time_label = starts.strftime("%H:%M")
        day = starts.date()
        by_day.setdefault(day, []).append(activity)
        counts[day] = getattr(activity, "on_day", None) or len(by_day[day])
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [
            CalendarDay(
                day, by_day.get(day, [])[:DAY_SHOWN], max(0, counts.get(day, 0) - DAY_SHOWN)
            )
            for day in week
        ]
        for week in weeks
    ]
