"""Issue 13: the background work's tasks and the periodic schedule, with no broker (the
embedded default: a task asked for runs at once). The worker itself, on Redis, is
tests/ops/test_celery_worker.py."""

import pytest
from django.conf import settings
from django.core import mail as sent_mail
from django.core.management import get_commands
from django.utils import timezone

from volunteer_portal import tasks
from volunteer_portal.celery import app
from volunteer_portal.models import OutgoingEmail


def test_without_a_broker_tasks_run_where_they_are_asked_for():
    assert not settings.CELERY_BROKER_URL
    assert app.conf.task_always_eager


def test_every_periodic_job_is_a_command_the_task_may_run():
    commands = get_commands()
    scheduled = {command[0] for command, _when in settings.PERIODIC_JOBS}
    assert scheduled == tasks.PERIODIC_COMMANDS
    assert all(name in commands for name in scheduled)


def test_the_beat_schedule_is_the_settings_periodic_jobs_at_their_times():
    schedule = app.conf.beat_schedule
    assert set(schedule) == {" ".join(command) for command, _when in settings.PERIODIC_JOBS}
    digest = schedule["request_digest"]
    assert digest["task"] == tasks.run_command.name and digest["args"] == ["request_digest"]
    assert digest["schedule"].hour == {8} and digest["schedule"].minute == {0}
    assert schedule["expire_offers"]["schedule"].minute == set(range(0, 60, 5))
    assert schedule["axes_reset_logs --age 90"]["args"] == ["axes_reset_logs", "--age", "90"]
    every_day = schedule["erase_requests"]["schedule"]
    assert every_day.day_of_week == set(range(7)) and every_day.day_of_month == set(range(1, 32))


def test_a_task_message_naming_another_command_is_refused():
    with pytest.raises(ValueError, match="not a periodic job"):
        tasks.run_command.delay("flush", "--no-input")


@pytest.mark.django_db
def test_the_periodic_send_outbox_sends_what_waits():
    waiting = OutgoingEmail.objects.create(  # as a failed attempt leaves it, due again now
        recipient="a@example.org", subject="等待发送", body="正文", attempts=1,
        from_email=settings.DEFAULT_FROM_EMAIL, next_attempt_at=timezone.now(),
    )  # fmt: skip
    tasks.run_command.delay("send_outbox")
    waiting.refresh_from_db()
    assert waiting.status == OutgoingEmail.Status.SENT
    assert [m.subject for m in sent_mail.outbox] == ["等待发送"]
    assert tasks.send_emails.delay([waiting.pk]).get() == (0, 0)  # never twice


@pytest.mark.django_db
def test_while_the_mail_server_is_down_the_task_leaves_emails_to_the_outbox():
    from django.core.cache import cache

    from volunteer_portal import mail

    waiting = OutgoingEmail.objects.create(
        recipient="a@example.org", subject="稍后发送", body="正文",
        from_email=settings.DEFAULT_FROM_EMAIL, next_attempt_at=timezone.now(),
    )  # fmt: skip
    cache.set(mail.MAIL_DOWN, True, 60)
    assert tasks.send_emails.delay([waiting.pk]).get() == (0, 0)
    waiting.refresh_from_db()
    assert waiting.status == OutgoingEmail.Status.PENDING and waiting.attempts == 0
    cache.delete(mail.MAIL_DOWN)
    assert tasks.send_emails.delay([waiting.pk]).get() == (1, 0)


def test_the_readmes_cron_lines_are_the_same_schedule():
    """Without a broker the periodic jobs are cron lines: the same jobs at the same times."""
    import re

    readme = (settings.BASE_DIR / "README.md").read_text()
    lines = re.findall(
        r"^ *(\S+ \S+ \S+ \S+ \S+) +cd /srv/portal && \.venv/bin/python manage\.py (.+?)$",
        readme,
        re.MULTILINE,
    )
    cron = {(command, when) for when, command in lines if not command.startswith("backup")}
    assert cron == {(" ".join(command), when) for command, when in settings.PERIODIC_JOBS}
