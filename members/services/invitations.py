"""Invitations: an account for a member a coordinator or an import added, who has none.

The link is signed, works once and expires; a new invitation replaces the old one.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import (
    Invitation,
    InvitationEvent,
    Member,
    MemberEvent,
    User,
)
from members.permissions import invitation_policy, member_policy
from members.services.notify import account_language, member_email
from volunteer_portal.audit import audited_save, bulk_create_audited, bulk_update_audited
from volunteer_portal.mail import email_batch
from volunteer_portal.permissions import is_volunteer


def _invitation_state_error(
    member: Member, channel: str, taken_usernames: set[str] | None = None
) -> ValidationError | None:
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
    if (
        member.phone in taken_usernames
        if taken_usernames is not None
        else User.objects.filter(username=member.phone).exists()
    ):
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
        _email_invitation(invitation, member, inviter=_inviter(actor))
    return invitation


def _inviter(actor) -> str:
    return actor.get_full_name() if is_volunteer(actor) else ""


def _email_invitation(invitation: Invitation, member: Member, *, inviter: str) -> None:
    context = {"member": member, "invitation": invitation, "inviter": inviter}
    member_email(member, "invitation", {**context, "link": invitation_link(invitation)})


@transaction.atomic
def invitations_create(*, actor, member_ids, channel: str) -> tuple[list[Invitation], int]:
    """``invitation_create`` for many members at once (after an import): the same rules,
    a constant number of queries plus one outbox row per email. Members the actor may not
    invite, or who cannot be invited (no account possible, no email address for an email
    invitation), are left out and counted. Returns (the invitations, how many left out)."""
    if channel not in Invitation.Channel.values:
        raise ValidationError(_("Choose how to send the invitation."), code="channel")
    ids = set(member_ids)
    allowed = member_policy.instances_for(actor, "invite").values("pk")
    members = list(
        Member.objects.select_for_update().filter(pk__in=ids).filter(pk__in=allowed).order_by("pk")
    )
    taken = set(
        User.objects.filter(username__in=[m.phone for m in members if m.phone]).values_list(
            "username", flat=True
        )
    )
    members = [m for m in members if _invitation_state_error(m, channel, taken) is None]
    now = timezone.now()
    _close_pending(actor, [m.pk for m in members], now, Invitation.RevokedReason.SUPERSEDED)
    invitations = bulk_create_audited(
        [
            Invitation(
                member=member,
                channel=channel,
                created_by=actor if is_volunteer(actor) else None,
                created_at=now,
                expires_at=now + datetime.timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
            )
            for member in members
        ],
        actor=actor,
        event=InvitationEvent.CREATED,
    )
    if channel == Invitation.Channel.EMAIL:
        with email_batch():
            for invitation, member in zip(invitations, members, strict=True):
                _email_invitation(invitation, member, inviter=_inviter(actor))
    return invitations, len(ids) - len(invitations)


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
