"""Writes to member records. Views and imports call these; nothing saves members directly.

Every change records who made it (simple-history's ``_history_user``), so the audit
trail on the member page says who changed what, also for commands and imports.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.images import ProcessedImage
from members.models import (
    DeletionRequest,
    Member,
    MemberEvent,
    Skill,
    User,
)
from members.permissions import member_policy
from members.services.invitations import invitations_withdraw
from members.services.notify import account_language
from volunteer_portal.audit import audited_save
from volunteer_portal.permissions import is_admin, is_volunteer, require_self

# The member fields a profile form may set. Status, account and photo have their own paths.
PROFILE_FIELDS = frozenset(
    {
        "full_name", "gender", "birth_year", "birth_date", "phone", "email", "national_id",
        "personnel_category", "political_status", "employer", "job_title", "industry",
        "qualifications", "education", "district", "available_weekdays",
        "available_weekends", "available_evenings", "bio",
    }
)  # fmt: skip
KEEP = object()


def _set_photo(member: Member, photo) -> str | None:
    """Apply a processed photo (or ``None`` to remove); returns old file names to delete."""
    if photo is KEEP:
        return None
    old = [member.photo.name, member.photo_thumbnail.name]
    if photo is None:
        member.photo = member.photo_thumbnail = ""
    else:
        member.photo.save(photo.image.name, photo.image, save=False)
        member.photo_thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
    storage = member.photo.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in old if name])
    return None


def _apply_profile(member: Member, fields: dict) -> None:
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(member, name, value)
    if member.birth_date and not member.birth_year:
        member.birth_year = member.birth_date.year


def _save(member: Member, actor, event: str) -> Member:
    member.full_clean(exclude=["user"])
    return audited_save(member, actor=actor, event=event)


@transaction.atomic
def member_register(
    *, full_name: str, phone: str, email: str, password: str, language: str = ""
) -> Member:
    """Self sign-up: a login account (the phone is the username) and its member record.
    ``language``: the one the person signed up in, kept for their emails (see
    ``account_language``)."""
    if Member.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise ValidationError({"phone": _("This mobile phone is already registered.")})
    user = User(
        username=phone, email=email, first_name=full_name[:150], language=account_language(language)
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    member = Member(full_name=full_name, phone=phone, email=email, user=user)
    return _save(member, user, MemberEvent.REGISTERED)


@transaction.atomic
def member_create(
    *,
    actor,
    fields: dict,
    skills: Iterable[Skill] = (),
    photo: ProcessedImage | None = None,
) -> Member:
    """A member record without an account (a coordinator's entry, an import row).

    The caller checks that the actor may add members where this one goes (see
    ``groups.services.member_add_to_group``).
    """
    member = Member()
    _apply_profile(member, fields)
    if photo is not None:
        _set_photo(member, photo)
    _save(member, actor, MemberEvent.CREATED)
    member.skills.set(skills)
    return member


@transaction.atomic
def member_create_own(
    *, actor, fields: dict, skills: Iterable[Skill] = (), photo: ProcessedImage | None = None
) -> Member:
    """An account without a member record (e.g. an admin made in the shell) completes one."""
    if not is_volunteer(actor) or Member.objects.filter(user=actor).exists():
        raise PermissionDenied
    if "national_id" in fields and not fields["national_id"]:
        fields = {k: v for k, v in fields.items() if k != "national_id"}
    member = Member(user=actor)
    _apply_profile(member, fields)
    if photo is not None:
        _set_photo(member, photo)
    _save(member, actor, MemberEvent.PROFILE_COMPLETED)
    member.skills.set(skills)
    return member


@transaction.atomic
def member_update(
    *,
    actor,
    member: Member,
    fields: dict,
    skills: Iterable[Skill] | None = None,
    photo: ProcessedImage | None | object = KEEP,
) -> Member:
    """Change a member's profile. ``photo``: a processed image, ``None`` to remove, or KEEP."""
    member_policy.require(actor, "change", member)
    if "national_id" in fields and not member_policy.sees_full_national_id(actor, member):
        raise PermissionDenied("Only administrators and the member may set the identity number.")
    member = Member.objects.select_for_update().get(pk=member.pk)
    contact = (member.email, member.phone)
    _apply_profile(member, fields)
    _set_photo(member, photo)
    _save(member, actor, MemberEvent.PROFILE_CHANGED)
    if skills is not None:
        member.skills.set(skills)
    if (member.email, member.phone) != contact:
        invitations_withdraw(actor=actor, member_ids=[member.pk])
    return member


@transaction.atomic
def member_set_status(*, actor, member: Member, status: str) -> Member:
    """Deactivate (left or suspended) or reactivate. The record itself is never deleted here."""
    member_policy.require(actor, "deactivate", member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == status:
        return member
    member.status = status
    active = status == Member.Status.ACTIVE
    if not active:
        invitations_withdraw(actor=actor, member_ids=[member.pk])
    return _save(member, actor, MemberEvent.REACTIVATED if active else MemberEvent.DEACTIVATED)


@transaction.atomic
def member_request_deletion(*, actor, member: Member, reason: str = "") -> DeletionRequest:
    """PIPL: the member asks for their data to be deleted; admins decide in Django admin."""
    require_self(actor, member)
    if member.deletion_requests.filter(handled_at__isnull=True).exists():
        raise ValidationError(_("A deletion request is already waiting."))
    request = DeletionRequest(member=member, reason=reason)
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def deletion_request_close(*, actor, request: DeletionRequest, outcome: str) -> DeletionRequest:
    if not is_admin(actor, "members.change_deletionrequest"):
        raise PermissionDenied
    request.handled_at = timezone.now()
    request.handled_by = actor
    request.outcome = outcome
    request.save(update_fields=["handled_at", "handled_by", "outcome"])
    return request


MERGE_FILLABLE = tuple(sorted(PROFILE_FIELDS - {"full_name"}))


@transaction.atomic
def member_merge(*, actor, keep: Member, drop: Member) -> Member:
    """Merge a duplicate record into another; ``drop`` is deleted.

    Everything that points at ``drop`` (memberships, leader terms, and in later apps
    sign-ups and hours) is moved to ``keep``, found generically from the model's
    relations so new kinds of records are never forgotten. Where a move would break a
    uniqueness rule (both records already in the same group), ``keep``'s row wins and
    ``drop``'s is removed. Empty fields of ``keep`` are filled from ``drop``. The audit
    trail of both records says what happened.
    """
    if not is_admin(actor, "members.delete_member"):
        raise PermissionDenied
    if keep.pk == drop.pk:
        raise ValidationError(_("Choose two different members to merge."))
    locked = {m.pk: m for m in Member.objects.select_for_update().filter(pk__in=[keep.pk, drop.pk])}
    keep, drop = locked[keep.pk], locked[drop.pk]
    # Invitations of either record may have gone to an address the merged record no longer
    # has: they stop working (a coordinator sends a new one if needed).
    invitations_withdraw(actor=actor, member_ids=[keep.pk, drop.pk])

    moved, dropped = 0, 0
    for relation in Member._meta.related_objects:
        if relation.many_to_many or not relation.field.concrete:
            continue
        manager = relation.related_model._default_manager
        for row in manager.filter(**{relation.field.name: drop}):
            setattr(row, relation.field.name, keep)
            row._history_user = actor
            try:
                with transaction.atomic():
                    row.save(update_fields=[relation.field.name])
                moved += 1
            except IntegrityError:
                row._history_user = actor
                manager.filter(pk=row.pk).delete()
                dropped += 1

    for name in MERGE_FILLABLE:
        if getattr(keep, name) in ("", None) and getattr(drop, name) not in ("", None):
            setattr(keep, name, getattr(drop, name))
    if not keep.photo and drop.photo:
        keep.photo, keep.photo_thumbnail = drop.photo, drop.photo_thumbnail
    account = None
    if keep.user_id is None and drop.user_id is not None:
        account, drop.user = drop.user, None
        drop.save(update_fields=["user"])
    # The duplicate's phone and identity number are unique: free them before keep takes them.
    Member.objects.filter(pk=drop.pk).update(phone="", national_id="")
    if account is not None:
        keep.user = account
    _save(keep, actor, MemberEvent.MERGED)
    keep.skills.add(*drop.skills.all())
    drop._history_user = actor
    drop._change_reason = MemberEvent.MERGED_INTO
    drop.delete()
    return keep
