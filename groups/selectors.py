"""Reads that the group pages and the home page share."""

from django.db.models import Count, Prefetch
from django.db.models.functions import Coalesce
from django.utils import timezone

from groups.models import LeaderAssignment, Membership, ServiceGroup
from groups.permissions import group_policy
from members.models import Member
from members.selectors import AUDIT_SOURCES, MEMBER_PAGE_PARTS, AuditSource, MemberPagePart
from volunteer_portal import page_cache


def roster_queryset(group: ServiceGroup):
    """The group's active members, each with the date they joined.

    One join: a member has at most one live membership per group (a database rule), so
    the join cannot repeat a member, and the annotation reuses it.
    """
    return Member.objects.filter(
        memberships__group=group, memberships__status=Membership.Status.ACTIVE
    ).annotate(joined_at=Coalesce("memberships__decided_at", "memberships__created_at"))


def groups_with_heads(user, **filters) -> list[ServiceGroup]:
    """Groups the user may see (narrowed by ``filters``), each with ``member_count`` and
    ``current_heads``.

    Two queries whatever the number of groups (the groups, the current head terms), and
    the counts from ``member_counts``.
    """
    current_heads = (
        LeaderAssignment.objects.current()
        .filter(role=LeaderAssignment.Role.HEAD)
        .select_related("member")
    )
    groups = list(
        group_policy.instances_for(user)
        .filter(**filters)
        .prefetch_related(
            Prefetch("leader_assignments", queryset=current_heads, to_attr="current_heads")
        )
    )
    return with_member_counts(groups)


def member_counts() -> dict[int, int]:
    """Active members per group id, for all the groups at once, kept until a membership
    changes (``page_cache.query_result``): counting 20,000 memberships on every view of
    the group list or a group's page took more than the rest of the page."""
    grouped = Membership.objects.active().order_by().values_list("group_id").annotate(n=Count("pk"))
    return page_cache.query_result(grouped, dict)


def with_member_counts(groups):
    """``groups`` with ``member_count`` set on each (see ``member_counts``)."""
    counts = member_counts()
    for group in groups:
        group.member_count = counts.get(group.pk, 0)
    return groups


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
