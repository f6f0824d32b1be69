"""Writes to service groups and memberships. Every change goes through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import GroupEvent, Membership, MembershipEvent, ServiceGroup
from groups.permissions import group_policy, membership_policy
from members.images import ProcessedImage
from members.models import Member
from members.services import member_create, member_email
from volunteer_portal.audit import audited_save, bulk_update_audited, history_user
from volunteer_portal.mail import email_batch
from volunteer_portal.permissions import require_self

# Sentinel for "leave the emblem as it is".
KEEP = object()


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def group_update_profile(
    *,
    actor,
    group: ServiceGroup,
    mission_zh: str,
    mission_en: str,
    emblem: File | None | object = KEEP,
) -> ServiceGroup:
    """Change a group's public profile: mission texts and emblem (``None`` removes it).

    Coordinators may change only these fields of their own groups; names, slug, order
    and the active flag are for admins in Django admin. Raises ``ValidationError``
    when the result would be invalid; nothing is saved then.
    """
    group_policy.require(actor, "change", group)
    group = ServiceGroup.objects.select_for_update().get(pk=group.pk)
    old_emblem = group.emblem.name
    group.mission_zh, group.mission_en = mission_zh, mission_en
    if emblem is None:
        group.emblem = ""
    elif emblem is not KEEP:
        group.emblem.save(emblem.name, emblem, save=False)
    audited_save(group, actor=actor, event=GroupEvent.PROFILE_CHANGED, clean=True)
    if old_emblem and old_emblem != group.emblem.name:
        _delete_file_on_commit(group.emblem.storage, old_emblem)
    return group


# --- Memberships: apply, approve, reject, leave -------------------------------------


@transaction.atomic
def membership_apply(*, actor, member: Member, group: ServiceGroup, motivation: str) -> Membership:
    """A volunteer applies to join a group. One live application or membership per group."""
    require_self(actor, member)
    if not group.is_active:
        raise ValidationError(_("This group does not take applications at the moment."))
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("Your record is inactive; please contact a coordinator."))
    # Lock the member so two quick clicks cannot both pass the check below.
    Member.objects.select_for_update().get(pk=member.pk)
    if Membership.objects.live().filter(member=member, group=group).exists():
        raise ValidationError(_("You have already applied to or joined this group."))
    return audited_save(
        Membership(member=member, group=group, motivation=motivation),
        actor=actor,
        event=MembershipEvent.APPLIED,
        clean=True,
    )


def _decide(actor, membership: Membership) -> Membership:
    if not membership_policy.may_manage(actor, membership):
        raise PermissionDenied
    locked = Membership.objects.select_for_update().select_related("member", "group")
    membership = locked.get(pk=membership.pk)
    if membership.status != Membership.Status.APPLIED:
        raise ValidationError(_("This application has already been decided."))
    membership.decided_at = timezone.now()
    membership.decided_by = history_user(actor)
    return membership


@transaction.atomic
def membership_approve(*, actor, membership: Membership) -> Membership:
    membership = _decide(actor, membership)
    membership.status = Membership.Status.ACTIVE
    audited_save(membership, actor=actor, event=MembershipEvent.APPROVED, clean=True)
    member_email(membership.member, "membership_approved", {"membership": membership})
    return membership


@transaction.atomic
def membership_reject(*, actor, membership: Membership, reason: str) -> Membership:
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason when rejecting an application.")})
    membership = _decide(actor, membership)
    membership.status = Membership.Status.REJECTED
    membership.rejection_reason = reason.strip()
    audited_save(membership, actor=actor, event=MembershipEvent.REJECTED, clean=True)
    member_email(membership.member, "membership_rejected", {"membership": membership})
    return membership


@transaction.atomic
def memberships_approve(*, actor, membership_ids) -> int:
    """Approve many applications at once (the admin action); all or none.

    The ids are scoped here: applications in groups the actor manages (any other id is a
    403, and nothing is approved). Applications already decided are left as they are.
    Four queries whatever the number: lock, update, history, and the role lookup.
    """
    ids = {int(pk) for pk in membership_ids}
    memberships = list(
        Membership.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=Membership.Status.APPLIED)
        .select_related("member__user", "group")  # the account: each email's language
        .order_by("pk")
    )
    if any(not membership_policy.may_manage(actor, m) for m in memberships):
        raise PermissionDenied
    now = timezone.now()
    for membership in memberships:
        membership.status = Membership.Status.ACTIVE
        membership.decided_at, membership.decided_by = now, history_user(actor)
    bulk_update_audited(
        memberships,
        ["status", "decided_at", "decided_by"],
        actor=actor,
        event=MembershipEvent.APPROVED,
    )
    with email_batch():
        for membership in memberships:
            member_email(membership.member, "membership_approved", {"membership": membership})
    return len(memberships)


@transaction.atomic
def membership_leave(*, actor, membership: Membership) -> Membership:
    """An active member leaves the group (by their own wish or marked by a coordinator)."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("member", "group")
        .get(pk=membership.pk)
    )
    membership_policy.require(actor, "handle", membership)
    if not membership.is_live:
        raise ValidationError(_("This membership has already ended."), code="ended")
    membership.status = Membership.Status.LEFT
    membership.left_at = timezone.now()
    return audited_save(membership, actor=actor, event=MembershipEvent.LEFT, clean=True)


@transaction.atomic
def member_add_to_group(
    *,
    actor,
    group: ServiceGroup,
    fields: dict,
    skills=(),
    photo: ProcessedImage | None = None,
) -> Member:
    """A coordinator records someone directly (met at an event): an active member of the group."""
    group_policy.require(actor, "manage", group)
    member = member_create(actor=actor, fields=fields, skills=skills, photo=photo)
    membership_ensure_active(actor=actor, member=member, group=group)
    return member


def membership_ensure_active(*, actor, member: Member, group: ServiceGroup) -> Membership:
    """Make the member an active member of the group (an import, a direct entry).

    A pending application is approved; otherwise a new active membership is created.
    """
    live = Membership.objects.select_for_update().filter(member=member, group=group).live()
    membership = live.first()
    if membership is None:
        membership = Membership(member=member, group=group, status=Membership.Status.ACTIVE)
    elif membership.status == Membership.Status.ACTIVE:
        return membership
    else:
        membership.status = Membership.Status.ACTIVE
        membership.decided_at, membership.decided_by = timezone.now(), history_user(actor)
    return audited_save(membership, actor=actor, event=MembershipEvent.ADDED, clean=True)
