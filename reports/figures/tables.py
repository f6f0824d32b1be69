"""The shapes every section fills: headline figures and tables, each table with the chart
drawn beside it on the page (the same figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

NOT_STATED = _("Not stated")


@dataclass(frozen=True)
class Scope:
    """The groups a report covers. ``everything``: an admin's report of all groups, which
    also counts the requests no group has taken yet (waiting in triage, or withdrawn
    before)."""

    group_ids: tuple[int, ...]
    everything: bool = False
    label: str = ""

    def requests_q(self, prefix: str = ""):
        from django.db.models import Q

        return Q() if self.everything else Q(**{f"{prefix}group_id__in": self.group_ids})


@dataclass
class Table:
    key: str
    title: object
    headers: list
    rows: list[list]
    chart: str | None = "bar"  # "bar", "pie", "line" or None: drawn from the table's rows
    note: object = ""
    series: int = 1  # how many columns after the labels the chart draws (same scale)

    @property
    def chart_data(self) -> dict:
        """Labels (first column) and the first ``series`` columns, for the chart."""
        return {
            "type": self.chart,
            "labels": [str(row[0]) for row in self.rows],
            "series": [
                {"name": str(header), "data": [_number(row[i]) for row in self.rows]}
                for i, header in enumerate(self.headers[1 : 1 + self.series], start=1)
            ],
        }


@dataclass
class Figure:
    label: object
    value: object
    key: str = ""


@dataclass
class Section:
    key: str
    title: object
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: object = ""


@dataclass
class Report:
    scope: Scope
    period: object
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        return next(t for s in self.sections for t in s.tables if t.key == key)

    def figure(self, key: str):
        return next(f.value for s in self.sections for f in s.figures if f.key == key)


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, int | float) else None


def label_of(choices, value) -> str:
    """A choice's label, "Not stated" for an empty value."""
    if value in (None, ""):
        return str(NOT_STATED)
    return str(dict(choices).get(value, value))


def counted(choices, rows: dict, *, keep_empty: bool = False) -> list[list]:
    """Rows [label, count] in the choices' order (the empty value last), leaving out
    choices nobody has unless ``keep_empty``."""
    ordered = [
        [label_of(choices, value), rows.get(value, 0)]
        for value, _label in choices
        if keep_empty or rows.get(value)
    ]
    empty = sum(n for value, n in rows.items() if value in (None, ""))
    if empty:
        ordered.append([str(NOT_STATED), empty])
    return ordered


def percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def bilingual(chinese: str, english: str) -> str:
    """The name in the reader's language (the English one when there is one)."""
    from django.utils.translation import get_language

    if (get_language() or "zh-hans").startswith("zh"):
        return chinese or english
    return english or chinese
