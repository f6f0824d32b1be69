"""Hours: approved service hours by group, month and kind of activity; the volunteers by
star level; the twenty who gave most in the period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connections
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from activities.models import Activity, ServiceHours
from groups.models import ServiceGroup
from members.models import Member
from reports.figures.people import members_of
from reports.figures.tables import Figure, Section, Table, bilingual

TOP = 20
HOURS = DecimalField(max_digits=10, decimal_places=2)


def approved(**filters):
    return ServiceHours.objects.filter(
        status=ServiceHours.Status.APPROVED, is_current=True, **filters
    )


def in_period(scope, period):
    return approved(
        signup__activity__group_id__in=scope.group_ids,
        signup__activity__starts_at__gte=period.start_at,
        signup__activity__starts_at__lt=period.end_at,
    )


def month_key(value) -> tuple[int, int]:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return (local.year, local.month)


@dataclass
class HoursFacts:
    """The period's approved hours, aggregated once for the sections that show them: per
    (group, month, kind of activity) the hours and entries, and the volunteers who gave
    them (in all, and among the groups' members today)."""

    cube: list[tuple]  # (group id, month, kind, hours, entries)
    volunteers: int
    members_who_served: int

    def by(self, index: int) -> dict:
        totals: dict = {}
        for row in self.cube:
            key = month_key(row[1]) if index == 1 else row[index]
            totals[key] = totals.get(key, Decimal(0)) + row[3]
        return totals

    @property
    def hours(self) -> Decimal:
        return sum((row[3] for row in self.cube), Decimal(0))

    @property
    def entries(self) -> int:
        return sum(row[4] for row in self.cube)


def over_rows(grouped, select: str, tail: str = "", tail_params=()) -> list[tuple]:
    """``SELECT <select> FROM (<grouped>) <tail>``: an aggregate over the rows of a
    GROUP BY (how many members, per bucket), a derived table Django's ORM cannot write;
    the inner query is the ORM's own, with its parameters, run on the connection the ORM
    would use (the read replica, inside ``replica_reads()``)."""
    inner, params = grouped.query.sql_with_params()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM ({inner}) per_member {tail}",  # noqa: S608
            (*params, *tail_params),
        )
        return cursor.fetchall()


def facts(scope, period) -> HoursFacts:
    """Two queries: the GROUP BY (group, month, kind), and the distinct volunteers."""
    entries = in_period(scope, period)
    cube = list(
        entries.order_by()
        .annotate(month=TruncMonth("signup__activity__starts_at"))
        .values_list("signup__activity__group_id", "month", "signup__activity__kind")
        .annotate(h=Sum("hours"), n=Count("pk"))
    )
    # Per member once (a hash GROUP BY), then counted: cheaper than COUNT(DISTINCT). Who
    # of them are the scope's members: a hash join with those members (a test of
    # "member IN (the scope's members)" on every entry is a lookup in a list of up to a
    # million ids that PostgreSQL cannot always hash: it took twenty minutes at that size).
    per_member = (
        entries.order_by()
        .values(volunteer=F("signup__member_id"))
        .annotate(n=Count("pk"))
        .values("volunteer")
    )
    # Unordered: a subquery with ORDER BY is not flattened, and would sort the members.
    members_in_scope = members_of(scope).order_by().annotate(in_scope=F("pk")).values("in_scope")
    in_scope, in_scope_params = members_in_scope.query.sql_with_params()
    ((volunteers, members),) = over_rows(
        per_member,
        "COUNT(*), COUNT(scope.in_scope)",
        f"LEFT JOIN ({in_scope}) scope ON scope.in_scope = per_member.volunteer",
        in_scope_params,
    )
    people = {"volunteers": volunteers, "members": members}
    return HoursFacts(cube, people["volunteers"], people["members"])


def section(scope, period, facts: HoursFacts) -> Section:
    entries = in_period(scope, period)
    by_group = facts.by(0)
    groups = ServiceGroup.objects.filter(pk__in=scope.group_ids).order_by("display_order", "pk")
    group_rows = [[bilingual(g.name_zh, g.name_en), by_group.get(g.pk, Decimal(0))] for g in groups]
    by_month = facts.by(1)
    month_rows = [
        [month.strftime("%Y-%m"), by_month.get((month.year, month.month), Decimal(0))]
        for month in period.months()
    ]
    by_kind = facts.by(2)
    kind_rows = [
        [str(label), by_kind[value]] for value, label in Activity.Kind.choices if value in by_kind
    ]
    # The twenty, grouped by member id alone (no name in the GROUP BY), then named.
    top = list(
        entries.order_by()
        .values_list("signup__member_id")
        .annotate(h=Sum("hours"), n=Count("pk"))  # one current entry per sign-up
        .order_by("-h", "signup__member_id")[:TOP]
    )
    names = dict(
        Member.objects.filter(pk__in=[pk for pk, _h, _n in top]).values_list("pk", "full_name")
    )
    return Section(
        "hours",
        _("Service hours"),
        figures=[
            Figure(_("Approved hours"), facts.hours, "hours"),
            Figure(_("Hours entries"), facts.entries, "entries"),
            Figure(_("Volunteers who gave hours"), facts.volunteers, "volunteers"),
        ],
        tables=[
            Table("hours_group", _("By group"), [_("Group"), _("Hours")], group_rows, "bar"),
            Table("hours_month", _("By month"), [_("Month"), _("Hours")], month_rows, "line"),
            Table(
                "hours_kind", _("By kind of activity"), [_("Kind"), _("Hours")], kind_rows, "pie"
            ),
            stars_table(scope, period),
            Table(
                "hours_top",
                _("Most hours in the period"),
                [_("Volunteer"), _("Hours"), _("Activities")],
                [[names.get(pk, ""), hours, n] for pk, hours, n in top],
                None,
            ),
        ],
        note=_(
            "Approved and current entries only: a corrected entry counts once, as "
            "corrected. Hours count in the period in which their activity starts."
        ),
    )


def stars_table(scope, period) -> Table:
    """Today's members of the groups by star level: their approved hours in every group,
    up to the end of the period (the stars they held then). One query: the hours summed
    per member and bucketed, then counted per bucket (a derived table Django's ORM cannot
    write, so the outer query is SQL around the ORM's own)."""
    thresholds = sorted(settings.STAR_THRESHOLDS)
    members = members_of(scope)
    per_member = (
        approved(signup__member__in=members, signup__activity__starts_at__lt=period.end_at)
        .order_by()
        .values("signup__member")
        .annotate(t=Sum("hours"))
        .annotate(
            stars=Case(
                *[
                    When(t__gte=threshold, then=Value(level))
                    for level, threshold in reversed(list(enumerate(thresholds, start=1)))
                ],
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values("stars")
    )
    levels = dict(over_rows(per_member, "stars, COUNT(*)", "GROUP BY stars"))
    levels[0] = levels.get(0, 0) + members.count() - sum(levels.values())  # no hours at all
    rows = [
        [
            ngettext("%(n)d star", "%(n)d stars", level) % {"n": level}
            if level
            else str(_("No star yet")),
            levels.get(level, 0),
        ]
        for level in range(len(thresholds) + 1)
    ]
    return Table(
        "hours_stars",
        _("Volunteers by star level"),
        [_("Star level"), _("Volunteers")],
        rows,
        "bar",
        _("Stars by cumulative approved hours at the end of the period (%(thresholds)s hours).")
        % {"thresholds": " / ".join(str(t) for t in thresholds)},
    )
