"""The date range a report covers: whole local days, from ``start`` to ``end`` inclusive,
with quick picks for the ranges people ask about (this year, this month, last quarter,
last year)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

THIS_YEAR, THIS_MONTH, LAST_QUARTER, LAST_YEAR, CUSTOM = (
    "this_year", "this_month", "last_quarter", "last_year", "custom",
)  # fmt: skip
QUICK_PICKS = [
    (THIS_YEAR, _("This year")),
    (THIS_MONTH, _("This month")),
    (LAST_QUARTER, _("Last quarter")),
    (LAST_YEAR, _("Last year")),
    (CUSTOM, _("Dates of my choice")),
]


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def start_at(self) -> datetime.datetime:
        """The first instant of ``start``, local time."""
        return _midnight(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        """The first instant after ``end`` (ranges are half-open: ``< end_at``)."""
        return _midnight(self.end + datetime.timedelta(days=1))

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches, in order (the trend's axis)."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def quick_pick(name: str, today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    if name == THIS_MONTH:
        return Period(today.replace(day=1), today)
    if name == LAST_QUARTER:
        first_this = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        last_end = first_this - datetime.timedelta(days=1)
        return Period(datetime.date(last_end.year, last_end.month - 2, 1), last_end)
    if name == LAST_YEAR:
        return Period(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31))
    return Period(datetime.date(today.year, 1, 1), today)  # this year, to date
