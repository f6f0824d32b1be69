"""People: the groups' members today by category, political status, district and
industry; who joined and who left in the period; the share who gave approved hours in it."""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from groups.models import Membership
from members.models import District, Industry, Member, PersonnelCategory, PoliticalStatus
from reports.figures.tables import Figure, Section, Table, counted, percent

ACTIVE = Membership.Status.ACTIVE
DIMENSIONS = [
    ("personnel_category", _("By personnel category"), _("Personnel category"),
     PersonnelCategory.choices, "pie"),
    ("political_status", _("By political status"), _("Political status"),
     PoliticalStatus.choices, "pie"),
    ("district", _("By district"), _("District"), District.choices, "bar"),
    ("industry", _("By industry"), _("Industry"), Industry.choices, "bar"),
]  # fmt: skip


def members_of(scope):
    """Members (an active record) with an active membership in the scope's groups."""
    memberships = Membership.objects.filter(group_id__in=scope.group_ids, status=ACTIVE)
    # A semi-join (IN), not a join: each member once, so no COUNT(DISTINCT) is needed.
    return Member.objects.filter(
        status=Member.Status.ACTIVE, pk__in=memberships.values("member_id")
    )


def section(scope, period, hours_facts) -> Section:
    members = members_of(scope)
    total = members.count()
    tables = []
    for field, title, heading, choices, chart in DIMENSIONS:
        rows = dict(members.order_by().values_list(field).annotate(n=Count("pk")))
        tables.append(
            Table(f"people_{field}", title, [heading, _("Members")], counted(choices, rows), chart)
        )
    # Joined: approved then, or added straight to the roster (no decision: its creation).
    moves = (
        Membership.objects.filter(group_id__in=scope.group_ids)
        .annotate(joined_at=Coalesce("decided_at", "created_at"))
        .aggregate(
            joined=Count(
                "pk",
                filter=Q(
                    status__in=(ACTIVE, Membership.Status.LEFT),
                    joined_at__gte=period.start_at,
                    joined_at__lt=period.end_at,
                ),
            ),
            left=Count(
                "pk",
                filter=Q(
                    status=Membership.Status.LEFT,
                    left_at__gte=period.start_at,
                    left_at__lt=period.end_at,
                ),
            ),
        )
    )
    served = hours_facts.members_who_served
    return Section(
        "people",
        _("People"),
        figures=[
            Figure(_("Members now"), total, "members"),
            Figure(_("Joined in the period"), moves["joined"], "joined"),
            Figure(_("Left in the period"), moves["left"], "left"),
            Figure(_("Gave approved hours in the period"), served, "served"),
            Figure(_("Share who gave hours (%)"), percent(served, total), "served_share"),
        ],
        tables=tables,
        note=_(
            "Members: active records with an active membership today, each counted once "
            "however many of the groups they belong to. Joined and left: memberships, approved "
            "(or added to a roster) and ended in the period. Gave approved hours: today's "
            "members only (the hours section counts everyone who did, members who have left "
            "included)."
        ),
    )
