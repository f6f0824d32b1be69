"""Who hears of a service request's moves, by email through the outbox (after commit):
the requester (when they gave an email), in the language they wrote in; the group's
coordinators when it is dispatched to them; the administrators when one waits for
triage or is rated poorly."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from groups.models import LeaderAssignment
from volunteer_portal.mail import email_batch, queue_email

CHANGE = "change_servicerequest"


def tracking_link(request) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("requests:track", args=[request.code])


def _send(to: str, template: str, context: dict, language: str) -> None:
    context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body = render_to_string(f"emails/{template}.txt", context)
    queue_email(to=to, subject=subject, body=body)


def _to_requester(request, template: str, **context) -> None:
    if request.email:
        context = {"request": request, "link": tracking_link(request), **context}
        _send(request.email, template, context, request.language)


def _admin_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    allowed = (
        Q(is_superuser=True)
        | Q(user_permissions__codename=CHANGE)
        | Q(groups__permissions__codename=CHANGE)
    )
    return sorted(set(users.filter(allowed).values_list("email", flat=True)))


def _coordinator_emails(group) -> list[tuple[str, str]]:
    """(email, language) of the group's current leaders."""
    terms = LeaderAssignment.objects.current().filter(group=group).exclude(member__email="")
    return sorted(
        set(terms.values_list("member__email", "member__user__language")),
        key=lambda pair: pair[0],
    )


def received(request) -> None:
    with email_batch():
        _to_requester(request, "request_received")
        for email in _admin_emails():
            _send(email, "request_to_triage", {"request": request}, "")


def status_changed(request, move: str) -> None:
    with email_batch():
        if move != "rate":
            _to_requester(request, "request_status", rate_by=request.rating_deadline)
        if move == "dispatch":
            for email, language in _coordinator_emails(request.group):
                _send(email, "request_dispatched", {"request": request}, language or "")
        if move in ("withdraw", "cancel") and request.group_id:
            for email, language in _coordinator_emails(request.group):
                _send(email, "request_withdrawn", {"request": request}, language or "")
        if move == "decline":  # back to the triage queue
            for email in _admin_emails():
                _send(email, "request_to_triage", {"request": request}, "")


def low_rating(request) -> None:
    with email_batch():
        for email in _admin_emails():
            _send(email, "request_low_rating", {"request": request}, "")


def help_offered(offer) -> None:
    """A member offered, on the board, to help with a request: its group's coordinators
    hear of it, one email each per offer, to confirm by asking them."""
    request = offer.request
    context = {"request": request, "member": offer.member}
    with email_batch():
        for email, language in _coordinator_emails(request.group):
            _send(email, "request_help_offered", context, language or "")
