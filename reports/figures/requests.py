"""Service requests: received, completed, declined and withdrawn in the period; by kind,
district and channel; the median days from order to completion; the ratings; how many
are overdue now."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.models import ServiceGroup
from members.models import District
from reports.figures.tables import Figure, Section, Table, bilingual, counted
from service_requests.models import RequestEvent, ServiceRequest
from service_requests.queues import overdue_q

S = ServiceRequest.Status
DONE = (S.COMPLETED, S.RATED, S.CLOSED)
DAY = 86400


def _in(field: str, period) -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def median_days(requests) -> float | None:
    """The median of (completed − received), by the database on any backend: a count,
    then the middle one or two of the durations in order (PostgreSQL's percentile_cont
    has no SQLite twin)."""
    count = requests.count()
    if not count:
        return None
    took = ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())
    middle = list(
        requests.annotate(took=took)
        .order_by("took", "pk")
        .values_list("took", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    seconds = sum(d.total_seconds() for d in middle) / len(middle)
    return round(seconds / DAY, 1)


def section(scope, period) -> Section:
    mine = ServiceRequest.objects.filter(scope.requests_q())
    received = mine.filter(_in("created_at", period))
    completed = mine.filter(_in("completed_at", period), status__in=DONE)
    counts = mine.aggregate(
        received=Count("pk", filter=_in("created_at", period)),
        completed=Count("pk", filter=_in("completed_at", period) & Q(status__in=DONE)),
        withdrawn=Count("pk", filter=_in("closed_at", period) & Q(status=S.WITHDRAWN)),
        overdue=Count("pk", filter=overdue_q(timezone.now())),
        rated=Count("pk", filter=_in("rated_at", period) & Q(rating__isnull=False)),
        rating=Avg("rating", filter=_in("rated_at", period)),
    )
    # Declined: the group sent it back (it then has no group): the history knows which.
    declines = ServiceRequest.history.filter(
        history_change_reason=RequestEvent.DECLINED, **_range("history_date", period)
    )
    if not scope.everything:
        # The group that declined it: the request's group in the record just before.
        before = ServiceRequest.history.filter(
            id=OuterRef("id"), history_id__lt=OuterRef("history_id")
        ).order_by("-history_id")
        declines = declines.annotate(by=Subquery(before.values("group_id")[:1])).filter(
            by__in=scope.group_ids
        )
    declined = declines.count()
    by_kind = dict(received.order_by().values_list("wanted_group_id").annotate(n=Count("pk")))
    groups = ServiceGroup.objects.order_by("display_order", "pk").values_list(
        "pk", "name_zh", "name_en"
    )
    kind_rows = [[bilingual(zh, en), by_kind[pk]] for pk, zh, en in groups if by_kind.get(pk)]
    if by_kind.get(None):
        kind_rows.append([str(_("Not sure")), by_kind[None]])
    by_district = dict(received.order_by().values_list("district").annotate(n=Count("pk")))
    by_channel = dict(received.order_by().values_list("channel").annotate(n=Count("pk")))
    ratings = dict(
        mine.filter(_in("rated_at", period), rating__isnull=False)
        .order_by()
        .values_list("rating")
        .annotate(n=Count("pk"))
    )
    average = counts["rating"]
    return Section(
        "requests",
        _("Service requests"),
        figures=[
            Figure(pgettext_lazy("number of requests", "Received"), counts["received"], "received"),
            Figure(_("Completed"), counts["completed"], "completed"),
            Figure(_("Declined by a group"), declined, "declined"),
            Figure(_("Withdrawn"), counts["withdrawn"], "withdrawn"),
            Figure(_("Median days to completion"), median_days(completed), "median_days"),
            Figure(_("Ratings"), counts["rated"], "rated"),
            Figure(_("Average rating"), round(average, 1) if average else None, "rating"),
            Figure(_("Overdue now"), counts["overdue"], "overdue"),
        ],
        tables=[
            Table(
                "requests_kind",
                _("Received, by kind of help"),
                [_("Kind of help"), _("Requests")],
                kind_rows,
                "pie",
            ),
            Table(
                "requests_district",
                _("Received, by district"),
                [_("District"), _("Requests")],
                counted(District.choices, by_district),
                "bar",
            ),
            Table(
                "requests_channel",
                _("Received, by channel"),
                [_("Channel"), _("Requests")],
                counted(ServiceRequest.Channel.choices, by_channel),
                "pie",
            ),
            Table(
                "requests_rating",
                _("Ratings"),
                [_("Stars"), _("Ratings")],
                [["★" * stars, ratings.get(stars, 0)] for stars in range(5, 0, -1)],
                "bar",
            ),
        ],
        note=_(
            "Received: created in the period; completed: marked completed in it (rated and "
            "closed ones included); declined: sent back by a group in it; median days: from "
            "receipt to completion, of those completed in the period."
        ),
    )


def _range(field: str, period) -> dict:
    return {f"{field}__gte": period.start_at, f"{field}__lt": period.end_at}
