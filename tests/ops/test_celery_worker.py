"""Issue 13: emails and roster jobs through a real Celery worker on the real Redis.

An email queued while the worker is stopped waits (in Redis, and in the outbox) and is sent
once when the worker starts; one queued while it runs is sent by it; each only once.
PostgreSQL only: the worker is another process, which must see the test's database."""

import subprocess
import sys
import time

import pytest
import redis
from django.db import connection, transaction

from tests.ops.conftest import ROOT, database_url, portal_env, wait_until
from volunteer_portal import mail
from volunteer_portal.celery import app
from volunteer_portal.models import OutgoingEmail

pytestmark = [
    pytest.mark.postgres,
    # committed, so that the worker (another connection) reads the outbox's rows
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A database of the local Redis of its own (the tests' cache and the benchmark use others).
BROKER = "redis://127.0.0.1:6379/13"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def forget_connections():
    """Connections to the broker are pooled, by the app and in kombu's registry of pools
    (which the eager path uses too): all closed and forgotten, so that new ones are made
    for the address now in the settings (as a forked process starts afresh)."""
    from kombu import pools

    pools.reset()
    app._after_fork()


@pytest.fixture
def broker(settings):
    """The real Redis as the broker. Celery reads its settings from Django's as they are
    (the app's configuration is a view of them), so the settings fixture's own undoing
    is all the undoing there is; only the pooled connections to the broker are dropped."""
    if not redis_answers():
        pytest.skip("needs Redis on 127.0.0.1:6379 (CI has it)")
    redis.Redis.from_url(BROKER).flushdb()
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = BROKER, False
    assert app.conf.broker_url == BROKER and not app.conf.task_always_eager
    forget_connections()
    yield BROKER
    forget_connections()
    redis.Redis.from_url(BROKER).flushdb()


def start_worker(log, **extra):
    env = portal_env(
        **extra,
        DJANGO_SETTINGS_MODULE="volunteer_portal.settings",
        DEBUG="true",
        DATABASE_URL=database_url(connection.settings_dict, connection.settings_dict["NAME"]),
        CELERY_BROKER_URL=BROKER,
    )
    env.pop("EMAIL_URL", None)  # unset: the console backend, so the log shows each email sent
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "volunteer_portal", "worker",
         "--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def status(subject: str) -> str:
    return OutgoingEmail.objects.get(subject=subject).status


def test_an_email_waits_for_the_worker_and_is_sent_once(broker, tmp_path):
    with transaction.atomic():
        mail.queue_email(to="a@example.org", subject="while the worker is stopped", body="1")
    time.sleep(1)
    assert status("while the worker is stopped") == OutgoingEmail.Status.PENDING
    assert redis.Redis.from_url(broker).llen("celery") == 1  # the task waits in Redis

    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = start_worker(log)
        try:
            sent = OutgoingEmail.Status.SENT
            assert wait_until(lambda: status("while the worker is stopped") == sent, 60), (
                log_path.read_text()
            )
            with transaction.atomic():
                mail.queue_email(to="b@example.org", subject="while it runs", body="2")
            assert wait_until(lambda: status("while it runs") == sent, 30), log_path.read_text()
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    printed = log_path.read_text()
    assert printed.count("Subject: while the worker is stopped") == 1, printed
    assert printed.count("Subject: while it runs") == 1, printed


def test_a_large_roster_export_is_written_by_the_worker(broker, tmp_path, settings):
    """The roster page hands a large export to the worker, which writes the file where
    the page offers it (the spool: a folder both share here, the bucket in production)."""
    from django.test import Client
    from django.urls import reverse

    from groups.models import RosterJob
    from tests.conftest import make_coordinator, shipped_group
    from tests.factories import MemberFactory, MembershipFactory

    settings.IMPORT_SPOOL_DIR = tmp_path / "spool"
    settings.ROSTER_BACKGROUND_ROWS = 2
    group = shipped_group("ecommerce")
    coordinator = make_coordinator(group, "worker-coord")
    for n in range(3):
        MembershipFactory(member=MemberFactory(phone=f"1370000000{n}"), group=group)
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("groups:roster-export", args=["ecommerce", "csv"]))
    assert response.status_code == 302
    job = RosterJob.objects.get()
    assert job.status == RosterJob.Status.QUEUED  # handed over, not done in the request

    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        worker = start_worker(log, IMPORT_SPOOL_DIR=str(settings.IMPORT_SPOOL_DIR))
        try:
            done = RosterJob.Status.DONE
            assert wait_until(lambda: RosterJob.objects.get().status == done, 60), (
                log_path.read_text()
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    download = client.get(reverse("groups:roster-job-file", args=["ecommerce", job.pk]))
    rows = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 4 and all("1370000000" in row for row in rows[1:])
