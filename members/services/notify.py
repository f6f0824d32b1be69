"""Writing to members: each email in the recipient's language, and the language kept on
an account."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from members.models import (
    Member,
    User,
)
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
    """Email a member after the transaction commits (never about unsaved changes), in the
    recipient's language (not the sender's), from ``templates/emails/<template>.txt`` and
    ``…_subject.txt``."""
    if not member.email:
        return
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(recipient_language(member)):
        # One line of plain text: a newline (say, in an activity's title) would make the
        # message invalid, and subjects are not HTML ("&", not "&amp;").
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
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
