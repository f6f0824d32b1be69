"""The monthly trend: hours approved, activities held and requests received, month by
month through the period (two queries: the hours are the hours section's)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from reports.figures import activities
from reports.figures.hours import month_key
from reports.figures.tables import Section, Table
from service_requests.models import ServiceRequest


def _by_month(queryset, field: str, aggregate) -> dict:
    return {
        month_key(month): value
        for month, value in queryset.order_by()
        .annotate(month=TruncMonth(field))
        .values_list("month")
        .annotate(value=aggregate)
    }


def section(scope, period, hours_facts) -> Section:
    hours_by = hours_facts.by(1)
    held_by = _by_month(activities.held(scope, period), "starts_at", Count("pk"))
    requests = ServiceRequest.objects.filter(
        scope.requests_q(), created_at__gte=period.start_at, created_at__lt=period.end_at
    )
    requests_by = _by_month(requests, "created_at", Count("pk"))
    rows = []
    for month in period.months():
        key = (month.year, month.month)
        rows.append(
            [
                month.strftime("%Y-%m"),
                hours_by.get(key, Decimal(0)),
                held_by.get(key, 0),
                requests_by.get(key, 0),
            ]
        )
    return Section(
        "trend",
        _("Month by month"),
        tables=[
            Table(
                "trend_monthly",
                _("Monthly trend"),
                [_("Month"), _("Hours"), _("Activities held"), _("Requests received")],
                rows,
                "line",
                series=3,  # the hours on their own axis (static/js/reports.js)
            )
        ],
    )
