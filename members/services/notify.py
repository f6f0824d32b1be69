"""Writing to members: each email in the recipient's language, and the language kept on
an account."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from members.models import (
    Member,
    User,
)
from volunteer_portal.mail import queue_email
from volunteer_portal.permissions import is_volunteer


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
    """Email a member, in the recipient's language (not the sender's), from
    ``templates/emails/<template>.txt`` and ``…_subject.txt``.

    The email goes to the outbox in the caller's transaction and is sent after the commit
    and the response (volunteer_portal.mail): never about unsaved changes, never lost when
    the mail server is down, never an error page for a done action."""
    if not member.email:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(recipient_language(member)):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    queue_email(to=member.email, subject=subject, body=body)


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
