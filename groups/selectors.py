"""Reads that the group pages and the home page share."""

from django.db.models import Prefetch
from django.utils import timezone

from groups.models import LeaderAssignment, Membership, ServiceGroup
from groups.permissions import group_policy
from members.selectors import AUDIT_SOURCES, MEMBER_PAGE_PARTS, AuditSource, MemberPagePart


def groups_with_heads(user):
    """Groups the user may see, each with ``member_count`` and ``current_heads``.

    Three queries whatever the number of groups: the groups with their counts, the
    current head terms, and nothing per row.
    """
    current_heads = (
        LeaderAssignment.objects.current()
        .filter(role=LeaderAssignment.Role.HEAD)
        .select_related("member")
    )
    return (
        group_policy.instances_for(user)
        .with_member_count()
        .prefetch_related(
            Prefetch("leader_assignments", queryset=current_heads, to_attr="current_heads")
        )
    )


def group_leader_terms(group: ServiceGroup) -> tuple[list, list, list]:
    """The group's current terms (heads first), past terms and scheduled future terms.

    One query; whether a term runs today is decided by the database with the same
    rule as ``LeaderAssignment.objects.current()``.
    """
    terms = list(
        group.leader_assignments.with_is_current()
        .select_related("member")
        .order_by("-start_date", "pk")
    )
    role_rank = {role: rank for rank, role in enumerate(LeaderAssignment.Role.values)}
    current = sorted((t for t in terms if t.is_current), key=lambda t: role_rank[t.role])
    today = timezone.localdate()
    past = [t for t in terms if not t.is_current and t.start_date <= today]
    upcoming = [t for t in terms if t.start_date > today]
    return current, past, upcoming


def contribute_to_member_pages() -> None:
    """The groups' parts of a member's page and audit trail (called once, at start-up)."""
    if any(part.template == "groups/_member_groups.html" for part in MEMBER_PAGE_PARTS):
        return
    MEMBER_PAGE_PARTS.append(
        MemberPagePart(
            template="groups/_member_groups.html",
            prefetch=lambda: Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("group").order_by("-created_at"),
            ),
        )
    )
    for model in (Membership, LeaderAssignment):
        AUDIT_SOURCES.append(
            AuditSource(
                model=model,
                select_related=("group",),
                describe=lambda row, model=model: f"{model._meta.verbose_name} · {row.group}",
            )
        )
