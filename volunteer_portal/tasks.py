"""Background work (Celery): sending the outbox's emails, and the periodic jobs.

With no broker configured, a task runs at once where it is asked for (settings,
``CELERY_TASK_ALWAYS_EAGER``), and emails are not sent through a task at all
(volunteer_portal.mail)."""

from __future__ import annotations

from django.core.cache import cache
from django.core.management import call_command

from volunteer_portal import mail
from volunteer_portal.celery import app

# The management commands the beat schedule may run (settings.PERIODIC_JOBS): a task
# message naming anything else is refused.
PERIODIC_COMMANDS = frozenset(
    {
        "send_outbox",
        "expire_offers",
        "send_reminders",
        "expire_imports",
        "axes_reset_logs",
        "request_digest",
        "close_requests",
        "erase_requests",
        "precompute_reports",
    }
)


@app.task
def send_emails(ids: list[int]) -> tuple[int, int]:
    """Send these outbox emails now. Each is claimed before it is sent, so a task run twice
    (a worker lost mid-task) or alongside ``send_outbox`` sends each email once; what fails
    waits in the outbox for its next attempt (``send_outbox``, with back-off), as does
    everything while the mail server is known to be down (a large import's invitations
    would otherwise each wait out its timeout)."""
    if cache.get(mail.MAIL_DOWN):  # the mail server failed a moment ago: no task waits it out
        return 0, 0
    return mail.deliver(ids=ids, budget=mail.TASK_BUDGET)


@app.task
def run_command(name: str, *args: str) -> None:
    """One periodic job: the management command of that name, as cron ran it."""
    if name not in PERIODIC_COMMANDS:
        raise ValueError(f"not a periodic job: {name}")
    call_command(name, *args)
