"""Writes to member records. Views and imports call these; nothing saves members directly.

Every change records who made it (simple-history's ``_history_user``), so the audit
trail on the member page says who changed what, also for commands and imports.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.images import ProcessedImage
from members.models import (
    DeletionRequest,
    Invitation,
    InvitationEvent,
    Member,
    MemberEvent,
    Skill,
    User,
)
from members.permissions import invitation_policy, member_policy
from volunteer_portal.audit import audited_save, bulk_update_audited
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


def recipient_language(member: Member) -> str:
    """The language to write to a member in: their account's choice, else the portal's.

    No query when the member has no account or the caller loaded it (``select_related(
    "member__user")`` in loops); one small query otherwise.
    """
    if member.user_id is None:
        return settings.LANGUAGE_CODE
    if Member.user.is_cached(member):
        language = member.user.language
    else:
        language = User.objects.filter(pk=member.user_id).values_list("language", flat=True)
        language = language.first()
    return language or settings.LANGUAGE_CODE


def member_email(member: Member, template: str, context: dict) -> None:
    """Email a member after the transaction commits (never about unsaved changes), in the
    recipient's language (not the sender's), from ``templates/emails/<template>.txt`` and
    ``…_subject.txt``."""
    if not member.email:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(recipient_language(member)):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/{template}.txt", context)
    recipient = member.email
    # Robust: the data is saved by now, so a mail server that is down is logged (and
    # reported to the admins), never turned into an error page for a done action.
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]),
        robust=True,
    )


def account_language(language: str) -> str:
    """What a new account keeps of the language its owner used: a supported language other
    than the portal's default (blank means the default, wherever it moves)."""
    if language == settings.LANGUAGE_CODE or language not in dict(settings.LANGUAGES):
        return ""
    return language


def user_set_language(*, actor, language: str) -> None:
    """The language switcher: a logged-in user keeps the choice on their account, so it
    follows them to another browser and their emails use it. Visitors keep only the cookie."""
    if not is_volunteer(actor) or language not in dict(settings.LANGUAGES):
        return
    if actor.language != language:
        actor.language = language
        actor.save(update_fields=["language"])


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


# --- Invitations: an account for a member who has none ------------------------------------


def _invitation_state_error(member: Member, channel: str) -> ValidationError | None:
    if member.user_id is not None:
        return ValidationError(_("This member already has an account."), code="has_account")
    if member.status != Member.Status.ACTIVE:
        return ValidationError(_("Inactive members cannot be invited."), code="inactive")
    if not member.phone:
        return ValidationError(
            _("Add the member's mobile phone first: it becomes their username."),
            code="no_phone",
        )
    if channel == Invitation.Channel.EMAIL and not member.email:
        return ValidationError(
            _("This member has no email address. Add one, or hand over a link in person."),
            code="no_email",
        )
    if User.objects.filter(username=member.phone).exists():
        return ValidationError(
            _("An account with this mobile phone as its username exists already."),
            code="username_taken",
        )
    return None


def _supersede_pending(actor, member: Member, now: datetime.datetime) -> None:
    _close_pending(actor, [member.pk], now, Invitation.RevokedReason.SUPERSEDED)


def _close_pending(actor, member_ids, now: datetime.datetime, reason: str) -> None:
    earlier = list(Invitation.objects.select_for_update().pending().filter(member__in=member_ids))
    for invitation in earlier:
        invitation.revoked_at = now
        invitation.revoked_reason = reason
    event = (
        InvitationEvent.SUPERSEDED
        if reason == Invitation.RevokedReason.SUPERSEDED
        else InvitationEvent.REVOKED
    )
    bulk_update_audited(earlier, ["revoked_at", "revoked_reason"], actor=actor, event=event)


def invitations_withdraw(*, actor, member_ids) -> None:
    """Pending invitations of these members stop working: their address or phone changed
    (a link may have gone to the wrong person), or they were deactivated. The caller has
    checked the actor may change the members."""
    _close_pending(actor, list(member_ids), timezone.now(), Invitation.RevokedReason.REVOKED)


def invitation_link(invitation: Invitation) -> str:
    """The absolute address of an invitation's accept page."""
    path = reverse("invitation-accept", args=[invitation.token])
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def invitation_create(*, actor, member: Member, channel: str) -> Invitation:
    """Invite a member without an account to create one (``channel``: email, or in person
    with a link and QR code). Earlier pending invitations of the member stop working.

    Email invitations are sent after the transaction commits, in the portal's language
    (the member has no account yet, so no language of their own).
    """
    if channel not in Invitation.Channel.values:
        raise ValidationError(_("Choose how to send the invitation."), code="channel")
    member_policy.require(actor, "manage_invitations", member)
    member = Member.objects.select_for_update().get(pk=member.pk)
    error = _invitation_state_error(member, channel)
    if error is not None:
        raise error
    now = timezone.now()
    _supersede_pending(actor, member, now)
    invitation = Invitation(
        member=member,
        channel=channel,
        created_by=actor if is_volunteer(actor) else None,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    audited_save(invitation, actor=actor, event=InvitationEvent.CREATED)
    if channel == Invitation.Channel.EMAIL:
        member_email(
            member,
            "invitation",
            {
                "member": member,
                "invitation": invitation,
                "link": invitation_link(invitation),
                "inviter": actor.get_full_name() if is_volunteer(actor) else "",
            },
        )
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation: its link stops working."""
    invitation_policy.require(actor, "view", invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(
            _("This invitation was used or withdrawn already."), code="not_pending"
        )
    invitation.revoked_at = timezone.now()
    invitation.revoked_reason = Invitation.RevokedReason.REVOKED
    return audited_save(invitation, actor=actor, event=InvitationEvent.REVOKED)


INVITATION_PROBLEMS = {
    # state -> what the person who opened the link is told
    "invalid": lambda: _("This invitation link is not valid. Check that it was copied whole."),
    Invitation.State.USED: lambda: _("This invitation has been used already."),
    Invitation.State.REVOKED: lambda: _("This invitation was withdrawn."),
    Invitation.State.SUPERSEDED: lambda: _("A newer invitation replaced this one."),
    Invitation.State.EXPIRED: lambda: _("This invitation has expired."),
    "has_account": lambda: _("This member record has an account already."),
    "inactive": lambda: _("This member record is no longer active."),
}


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why a link cannot be accepted (a key of ``INVITATION_PROBLEMS``), or ``None``."""
    if invitation is None:
        return "invalid"
    state = invitation.state()
    if state != Invitation.State.OPEN:
        return state
    if invitation.member.user_id is not None:
        return "has_account"
    if invitation.member.status != Member.Status.ACTIVE or not invitation.member.phone:
        return "inactive"
    return None


@transaction.atomic
def invitation_accept(*, actor, invitation: Invitation, password: str, language: str = "") -> User:
    """The invited person chooses a password: a new account (the mobile phone is the
    username, as in self sign-up) bound to the member record. Single use: the invitation
    and the member are locked, and their state checked again, before anything is written.
    ``language``: the one the page was read in, kept as in ``member_register``.
    """
    if is_volunteer(actor):
        raise ValidationError(
            _("You are logged in. Log out first to accept an invitation for someone else."),
            code="logged_in",
        )
    # Parent before child, as in invitation_create: the member, then the invitation.
    member = Member.objects.select_for_update().get(pk=invitation.member_id)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation.member = member
    problem = invitation_problem(invitation)
    if problem is not None:
        raise ValidationError(INVITATION_PROBLEMS[problem](), code=problem)
    if User.objects.filter(username=member.phone).exists():
        raise ValidationError(
            _("An account with this mobile phone as its username exists already."),
            code="username_taken",
        )
    user = User(
        username=member.phone,
        email=member.email,
        first_name=member.full_name[:150],
        language=account_language(language),
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    member.user = user
    # Only the account changes: old data elsewhere on the record must not stop the binding.
    audited_save(
        member,
        actor=user,
        event=MemberEvent.ACCOUNT_FROM_INVITATION,
        update_fields=["user", "updated_at"],
    )
    invitation.used_at = timezone.now()
    audited_save(invitation, actor=user, event=InvitationEvent.ACCEPTED)
    return user
