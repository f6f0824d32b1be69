"""Writes to service groups and memberships. Every change goes through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Membership, ServiceGroup
from groups.permissions import group_policy
from members.images import ProcessedImage
from members.models import Member
from members.services import member_create, member_email

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
    if not group_policy.can_change(actor, group):
        raise PermissionDenied
    group = ServiceGroup.objects.select_for_update().get(pk=group.pk)
    old_emblem = group.emblem.name
    group.mission_zh, group.mission_en = mission_zh, mission_en
    if emblem is None:
        group.emblem = ""
    elif emblem is not KEEP:
        group.emblem.save(emblem.name, emblem, save=False)
    group.full_clean()
    group._history_user = actor
    group.save()
    if old_emblem and old_emblem != group.emblem.name:
        _delete_file_on_commit(group.emblem.storage, old_emblem)
    return group


# --- Memberships: apply, approve, reject, leave -------------------------------------


def _save_membership(membership: Membership, actor, reason: str | None = None) -> Membership:
    membership.full_clean()
    membership._history_user = actor if getattr(actor, "is_authenticated", False) else None
    if reason:
        membership._change_reason = reason
    membership.save()
    return membership


@transaction.atomic
def membership_apply(*, actor, member: Member, group: ServiceGroup, motivation: str) -> Membership:
    """A volunteer applies to join a group. One live application or membership per group."""
    if member.user_id != actor.pk:
        raise PermissionDenied
    if not group.is_active:
        raise ValidationError(_("This group does not take applications at the moment."))
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("Your record is inactive; please contact a coordinator."))
    # Lock the member so two quick clicks cannot both pass the check below.
    Member.objects.select_for_update().get(pk=member.pk)
    if Membership.objects.live().filter(member=member, group=group).exists():
        raise ValidationError(_("You have already applied to or joined this group."))
    return _save_membership(
        Membership(member=member, group=group, motivation=motivation), actor, "applied"
    )


def _decide(actor, membership: Membership) -> Membership:
    if not group_policy.can_change(actor, membership.group):
        raise PermissionDenied
    locked = Membership.objects.select_for_update().select_related("member", "group")
    membership = locked.get(pk=membership.pk)
    if membership.status != Membership.Status.APPLIED:
        raise ValidationError(_("This application has already been decided."))
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    return membership


@transaction.atomic
def membership_approve(*, actor, membership: Membership) -> Membership:
    membership = _decide(actor, membership)
    membership.status = Membership.Status.ACTIVE
    _save_membership(membership, actor, "approved")
    member_email(membership.member, "membership_approved", {"membership": membership})
    return membership


@transaction.atomic
def membership_reject(*, actor, membership: Membership, reason: str) -> Membership:
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason when rejecting an application.")})
    membership = _decide(actor, membership)
    membership.status = Membership.Status.REJECTED
    membership.rejection_reason = reason.strip()
    _save_membership(membership, actor, "rejected")
    member_email(membership.member, "membership_rejected", {"membership": membership})
    return membership


@transaction.atomic
def memberships_approve(*, actor, memberships) -> int:
    """Approve many applications at once (admin action); all or none."""
    count = 0
    for membership in memberships.filter(status=Membership.Status.APPLIED):
        membership_approve(actor=actor, membership=membership)
        count += 1
    return count


@transaction.atomic
def membership_leave(*, actor, membership: Membership) -> Membership:
    """An active member leaves the group (by their own wish or marked by a coordinator)."""
    membership = (
        Membership.objects.select_for_update().select_related("member").get(pk=membership.pk)
    )
    own = membership.member.user_id is not None and membership.member.user_id == actor.pk
    if not (own or group_policy.can_change(actor, membership.group)):
        raise PermissionDenied
    if membership.status not in Membership.LIVE_STATUSES:
        raise ValidationError(_("This membership has already ended."))
    membership.status = Membership.Status.LEFT
    membership.left_at = timezone.now()
    return _save_membership(membership, actor, "left")


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
    if not group_policy.can_change(actor, group):
        raise PermissionDenied
    member = member_create(
        actor=actor, fields=fields, skills=skills, photo=photo, reason=f"added to {group.slug}"
    )
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
        membership.decided_at, membership.decided_by = timezone.now(), actor
    return _save_membership(membership, actor, f"added to {group.slug}")
