"""Reliable email: an outbox written with the action, sent after the response (or, with
a Celery broker configured, by a worker: ``volunteer_portal.tasks.send_emails``).

- ``queue_email`` writes the message to the outbox inside the caller's transaction: an
  action that rolls back sends nothing, and one that commits never loses its email.
- After the commit, the message is sent once the response has gone to the browser
  (``after_response``), so a slow or refusing mail server never delays or breaks a page,
  and a page's timing says nothing about whether an email was sent.
- What could not be sent is retried with back-off by ``manage.py send_outbox`` (cron, every
  minute) until ``EMAIL_MAX_ATTEMPTS``; a sender claims a row before talking to the server,
  so two senders never send the same email twice. (Only if the mail server accepted an
  email and the portal died before recording it, is it sent again when the claim lapses.)
- A mail server that is down or hangs costs one timeout, not one per email: a sender stops
  at the first such failure, requests then leave sending to the command for a minute
  (``MAIL_DOWN``), and every run has a time budget.
- A sent email's body (which may hold a password-reset or invitation link) is blanked.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from volunteer_portal.models import OutgoingEmail

logger = logging.getLogger(__name__)

# How long a sender may hold an email while talking to the mail server.
CLAIM = timedelta(minutes=5)
# Waits between attempts: 1 min, 5 min, 30 min, 2 h, then every 6 h.
BACKOFF = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
LAST_BACKOFF = timedelta(hours=6)
# At most this many emails, and this many seconds, at the end of one request.
AFTER_RESPONSE_LIMIT = 50
AFTER_RESPONSE_BUDGET = 5.0
# A worker's task (volunteer_portal.tasks.send_emails) may take longer.
TASK_BUDGET = 60.0
# After a failure of the mail server itself, requests leave sending to the command.
MAIL_DOWN = "outbox:mail-server-down"
MAIL_DOWN_SECONDS = 60
# Refusals of one message (its recipient, sender or content): the next may still go.
MESSAGE_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

_state = threading.local()


def one_line(subject: str) -> str:
    """A subject is one line of plain text: a newline would make the message invalid."""
    return " ".join(str(subject).split())[:255]


# --- After the response ---------------------------------------------------------------


@receiver(request_started, dispatch_uid="volunteer_portal.mail.begin")
def _begin_request(**kwargs):
    _state.pending = []


@receiver(request_finished, dispatch_uid="volunteer_portal.mail.finish")
def _finish_request(**kwargs):
    pending, _state.pending = getattr(_state, "pending", None), None
    for func in pending or ():
        _run_robustly(func)


def after_response(func: Callable[[], object]) -> None:
    """Run ``func`` once the current response has gone to the client (the server calls
    the response's ``close()`` after sending it); at once outside a request (commands,
    shell). Errors are logged, never raised: the response is already sent."""
    pending = getattr(_state, "pending", None)
    if pending is None:
        _run_robustly(func)
    else:
        pending.append(func)


def _run_robustly(func):
    try:
        func()
    except Exception:
        logger.exception("Work after the response failed")


# --- Queueing -------------------------------------------------------------------------


def queue_email(
    *, to: str, subject: str, body: str, html_body: str = "", from_email: str | None = None
) -> None:
    """Put one email in the outbox, in the caller's transaction; it is sent after commit
    and after the response. Inside ``email_batch()`` the rows are written together."""
    email = OutgoingEmail(
        recipient=to,
        subject=one_line(subject),
        body=body,
        html_body=html_body or "",
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        next_attempt_at=timezone.now(),
    )
    if getattr(_state, "muted", False):
        return
    batch = getattr(_state, "batch", None)
    if batch is not None:
        batch.append(email)
    else:
        _write([email])


@contextlib.contextmanager
def muted():
    """Queue nothing inside the block: demo data (``seed_demo``) is made through the same
    services as real work, and its fictional people must not be emailed."""
    before = getattr(_state, "muted", False)
    _state.muted = True
    try:
        yield
    finally:
        _state.muted = before


@contextlib.contextmanager
def email_batch():
    """Write the emails queued inside the block in one INSERT when it ends (work on many
    records, so that it costs the same queries for 2 people as for 200)."""
    if getattr(_state, "batch", None) is not None:  # nested: the outer block writes
        yield
        return
    _state.batch = []
    try:
        yield
        emails = _state.batch
    finally:
        _state.batch = None
    _write(emails)


def _write(emails: list[OutgoingEmail]) -> None:
    if not emails:
        return
    created = OutgoingEmail.objects.bulk_create(emails)
    ids = [email.pk for email in created if email.pk is not None]
    transaction.on_commit(lambda: _dispatch(ids))


def _dispatch(ids: list[int]) -> None:
    """Once committed: with a broker, a worker sends them (a task per few dozen); without
    one, the first few go right after the response (a large batch, an import's
    invitations, would hold the app server too long: the rest wait for `send_outbox`)."""
    if settings.CELERY_BROKER_URL:
        from volunteer_portal.tasks import send_emails  # loads Celery, at the first email

        for start in range(0, len(ids), AFTER_RESPONSE_LIMIT):
            try:
                send_emails.delay(ids[start : start + AFTER_RESPONSE_LIMIT])
            except Exception:  # the broker is down: the outbox keeps them for send_outbox
                logger.warning(
                    "Could not hand emails to the workers; send_outbox will send them",
                    exc_info=True,
                )
                return
        return
    first = ids[:AFTER_RESPONSE_LIMIT]
    after_response(lambda: _deliver_after_response(first))


def _deliver_after_response(ids: list[int]) -> None:
    if cache.get(MAIL_DOWN):
        return  # the mail server failed a moment ago: `send_outbox` will retry
    deliver(ids=ids or None, budget=AFTER_RESPONSE_BUDGET)


# --- Sending --------------------------------------------------------------------------


def _due(now):
    return OutgoingEmail.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        status=OutgoingEmail.Status.PENDING,
        next_attempt_at__lte=now,
    )


def backoff(attempts: int) -> timedelta:
    return BACKOFF[attempts - 1] if attempts <= len(BACKOFF) else LAST_BACKOFF


def deliver(
    *, ids: Iterable[int] | None = None, limit: int | None = None, budget: float | None = None
) -> tuple[int, int]:
    """Send the due emails (only ``ids`` when given), for at most ``budget`` seconds, and
    stop at the first failure of the mail server itself. Returns (sent, failed)."""
    started = time.monotonic()
    now = timezone.now()
    due = _due(now).order_by("next_attempt_at", "pk")
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    candidates = due.values_list("pk", flat=True)
    candidates = list(candidates[:limit] if limit else candidates)
    sent = failed = 0
    connection = None
    try:
        for pk in candidates:
            if budget is not None and time.monotonic() - started > budget:
                break
            # The claim: one conditional UPDATE, so only one sender wins each email.
            if not _due(timezone.now()).filter(pk=pk).update(claimed_until=timezone.now() + CLAIM):
                continue
            email = OutgoingEmail.objects.get(pk=pk)
            try:
                if connection is None:
                    connection = get_connection(fail_silently=False)
                _message(email, connection).send()
            except Exception as error:  # the mail server refused, hung up or timed out
                failed += 1
                _record_failure(email, error)
                if not isinstance(error, MESSAGE_REFUSED):
                    # The server itself: the rest would wait for the same timeout each.
                    with contextlib.suppress(Exception):
                        cache.set(MAIL_DOWN, True, MAIL_DOWN_SECONDS)
                    connection = None  # a broken connection is not reused
                    break
            else:
                sent += 1
                OutgoingEmail.objects.filter(pk=pk).update(
                    status=OutgoingEmail.Status.SENT,
                    sent_at=timezone.now(),
                    attempts=email.attempts + 1,
                    claimed_until=None,
                    last_error="",
                    body="",  # may hold a reset or invitation link: not kept once sent
                    html_body="",
                )
    finally:
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a dead connection
                connection.close()
    return sent, failed


def _message(email: OutgoingEmail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        email.subject, email.body, email.from_email, [email.recipient], connection=connection
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    return message


def _record_failure(email: OutgoingEmail, error: Exception) -> None:
    attempts = email.attempts + 1
    gives_up = attempts >= settings.EMAIL_MAX_ATTEMPTS
    OutgoingEmail.objects.filter(pk=email.pk).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:1000],
        claimed_until=None,
        next_attempt_at=timezone.now() + backoff(attempts),
        status=OutgoingEmail.Status.FAILED if gives_up else OutgoingEmail.Status.PENDING,
    )
    log = logger.error if gives_up else logger.warning
    log(
        "Email %s to the outbox's recipient failed (attempt %s%s): %s",
        email.pk,
        attempts,
        ", given up" if gives_up else "",
        error,
    )


def purge_sent(days: int) -> int:
    """Delete sent and given-up emails older than ``days`` (they hold personal data)."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutgoingEmail.objects.filter(
        Q(status=OutgoingEmail.Status.SENT, sent_at__lt=cutoff)
        | Q(status=OutgoingEmail.Status.FAILED, created_at__lt=cutoff)
    ).delete()
    return deleted
