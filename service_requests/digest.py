"""The daily digest of overdue requests: those with no move for ``REQUEST_OVERDUE_DAYS``,
each to the people who can act on it (the administrators for the triage queue, the
group's coordinators once dispatched), one email per person per day, never twice."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from service_requests.models import DigestSent, ServiceRequest
from service_requests.notify import _admin_emails, _coordinator_emails, _send
from service_requests.transitions import OPEN


def overdue(now: datetime.datetime | None = None):
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REQUEST_OVERDUE_DAYS)
    return ServiceRequest.objects.filter(status__in=OPEN, last_action_at__lt=cutoff)


def digests(now: datetime.datetime | None = None) -> dict[tuple[str, str], list]:
    """(email, language) -> the overdue requests that person can act on: one entry per
    address (an administrator who also coordinates a group gets one digest of both)."""
    late = list(overdue(now).select_related("group").order_by("last_action_at", "pk"))
    by_person: dict[tuple[str, str], list] = {}
    languages: dict[str, str] = {}  # an address's first known language
    admins = [(email, "") for email in _admin_emails()]
    coordinators: dict[int, list[tuple[str, str]]] = {}
    for request in late:
        if request.status == ServiceRequest.Status.SUBMITTED:
            people = admins
        else:
            if request.group_id not in coordinators:
                coordinators[request.group_id] = _coordinator_emails(request.group)
            people = coordinators[request.group_id]
        for email, language in people:
            language = languages.setdefault(email, language)
            listed = by_person.setdefault((email, language), [])
            if request not in listed:
                listed.append(request)
    return by_person


def send_digests(now: datetime.datetime | None = None) -> int:
    """Queue today's digests; returns how many people were written to."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for (email, language), requests in digests(now).items():
        try:
            with transaction.atomic():
                DigestSent.objects.create(day=today, email=email)
                context = {
                    "requests": [(r, (now - r.last_action_at).days) for r in requests],
                    "days": settings.REQUEST_OVERDUE_DAYS,
                }
                _send(email, "request_overdue", context, language or "")
        except IntegrityError:
            continue  # sent already today
        sent += 1
    return sent
