"""PostgreSQL restarts under load, and the portal comes back by itself (issue 9, finding 13).

The test starts its own throwaway cluster (`initdb` and `pg_ctl`, on a free port, never
the shared server), copies the migrated test database into it with a few volunteers and
many activities, serves the portal from it with gunicorn and production-like settings,
and runs a bounded load of page views and sign-ups over real HTTP from a few client
threads (each logged in with its own session and CSRF token). In the middle, PostgreSQL
stops (`pg_ctl stop -m fast`, which ends running transactions as a restart does) and
starts again a few seconds later. Then:

- `/healthz` said 503 while the database was down, and says 200 after;
- gunicorn was never restarted, yet sign-ups succeed again;
- every request answered 200, a redirect, or 503 (never a 500, never a dropped connection);
- every sign-up the client was told succeeded is in the database, and none that it was
  told failed (503: "may not have been saved") is.

The cluster runs with fsync off, for speed: a restart is a clean shutdown, which writes
everything out anyway (this is not a power-cut test).
"""

import http.cookiejar
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils import timezone

from activities.models import Activity, SignUp
from members.models import User
from tests.conftest import shipped_group
from tests.factories import MemberFactory, UserFactory
from tests.ops.conftest import (
    ROOT,
    database_url,
    free_port,
    pg_program,
    portal_env,
    stop_process_group,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    # committed, so that pg_dump (another connection) copies the seeded data
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CLIENTS = 3
ACTIVITIES = 300  # each attempt uses a new one, so no attempt depends on an earlier one
PASSWORD = "restart-test-pass-2026"  # noqa: S105
DOWN_SECONDS = 2.5
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder: its own port and socket
    directory, trust authentication, run as the `postgres` OS user when we are root
    (initdb refuses root)."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*AS_POSTGRES, *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}\n{self.log()}"

    def log(self) -> str:
        log = self.folder / "postgresql.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""

    def init(self) -> None:
        self._run(
            pg_program("initdb"),
            f"--pgdata={self.data}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.folder} -c fsync=off"
        )
        self._run(
            pg_program("pg_ctl"),
            f"--pgdata={self.data}",
            f"--log={self.folder / 'postgresql.log'}",
            "--wait",
            "--timeout=30",
            f"--options={options}",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            pg_program("pg_ctl"),
            f"--pgdata={self.data}",
            f"--mode={mode}",
            "--wait",
            "--timeout=30",
            "stop",
        )

    def connect(self, dbname: str):
        pg = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname)
        pg.autocommit = True
        return pg

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"


@pytest.fixture
def cluster():
    if not (pg_program("initdb") and pg_program("pg_ctl")):
        pytest.skip("initdb and pg_ctl not found (apt-get install postgresql); CI has them")
    folder = Path(tempfile.mkdtemp(prefix="vp-restart-"))
    if AS_POSTGRES:
        if not shutil.which("runuser"):
            pytest.skip("running as root needs runuser to start PostgreSQL as postgres")
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root needs a `postgres` OS user to run PostgreSQL")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    cluster = Cluster(folder, free_port())
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        subprocess.run(
            [*AS_POSTGRES, pg_program("pg_ctl"), f"--pgdata={cluster.data}", "-m", "immediate",
             "--wait", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def seed_and_copy(cluster: Cluster) -> tuple[dict[str, int], list[int]]:
    """Volunteers and published activities (non-overlapping, room for everyone) in the test
    database, committed, then the whole database copied into the cluster as `portal`.
    Returns member ids by username, and the activity ids."""
    group = shipped_group("ecommerce")
    start = timezone.now() + timedelta(days=2)
    activities = Activity.objects.bulk_create(
        Activity(
            group=group,
            title=f"重启测试活动 {n}",
            status=Activity.Status.PUBLISHED,
            starts_at=start + timedelta(hours=2 * n),
            ends_at=start + timedelta(hours=2 * n + 1),
            capacity=10_000,
        )
        for n in range(ACTIVITIES)
    )
    members = {}
    for n in range(CLIENTS):
        user = UserFactory(username=f"restart-{n}")
        members[user.username] = MemberFactory(user=user).pk
    # The server runs the production hashers; one real hash serves every account.
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(username__in=members).update(
        password=hasher.encode(PASSWORD, hasher.salt())
    )

    dump = cluster.folder / "portal.dump"
    settings_dict = connection.settings_dict
    subprocess.run(
        [pg_program("pg_dump"), "--format=custom", f"--file={dump}",
         f"--dbname={database_url(settings_dict, settings_dict['NAME'])}"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with closing(cluster.connect("postgres")) as pg, pg.cursor() as cursor:
        cursor.execute("CREATE DATABASE portal")
    subprocess.run(
        [pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         f"--dbname={cluster.url('portal')}", str(dump)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return members, [a.pk for a in activities]


class Gunicorn:
    """The portal served by gunicorn from the cluster, with production-like settings
    (DEBUG off, a real secret key and password hashers, persistent health-checked
    connections), over plain HTTP."""

    def __init__(self, folder: Path, database: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "gunicorn.log"
        env = portal_env(
            DEBUG="false",
            SECRET_KEY="restart-test-" + "k" * 50,
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=database,
            # No collectstatic: the pages name static files without the manifest's hashes.
            STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
            MEDIA_ROOT=folder / "media",
            IMPORT_SPOOL_DIR=folder / "spool",
            LOG_LEVEL="WARNING",
        )
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "volunteer_portal.wsgi",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--threads", "4",
             "--timeout", "30", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def health(self) -> int | None:
        return Browser(self.base).get("/healthz")

    def wait_ready(self) -> None:
        ready = wait_until(
            lambda: self.process.poll() is not None or self.health() == 200, timeout=90
        )
        assert ready and self.process.poll() is None, "gunicorn did not start:\n" + self.log()

    def stop(self) -> None:
        stop_process_group(self.process, timeout=20)
        self.log_file.close()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Browser:
    """One visitor: cookies (session, CSRF) kept across requests; redirects not followed.
    A request answers its status, or None when the connection failed."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )
        self.location = ""

    def _open(self, request) -> int | None:
        self.location = ""
        try:
            with self.opener.open(request, timeout=30) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            error.read()
            self.location = error.headers.get("Location", "")
            return error.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def get(self, path: str) -> int | None:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 - ours

    def post(self, path: str, fields: dict | None = None) -> int | None:
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**(fields or {}), "csrfmiddlewaretoken": token})
        request = urllib.request.Request(self.base + path, data=body.encode())  # noqa: S310
        return self._open(request)

    def log_in(self, username: str) -> None:
        assert self.get("/accounts/login/") == 200
        status = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 302 and self.location == "/", (status, self.location)


@dataclass
class Attempt:
    username: str
    activity_id: int
    status: int | None
    location: str
    at: float = field(default_factory=time.monotonic)

    @property
    def told_succeeded(self) -> bool:
        return self.status == 302 and self.location == f"/activities/{self.activity_id}/"

    @property
    def told_failed(self) -> bool:
        return self.status == 503


def volunteer(browser, username, activity_ids, attempts, pages, stop):
    """Look at an activity, sign up for it, now and then the home page; a new activity
    each time, whatever the answer was (no retry: a 503 sign-up stays "told failed")."""
    for n, activity_id in enumerate(activity_ids):
        if stop.is_set():
            return
        pages.append(browser.get(f"/activities/{activity_id}/"))
        status = browser.post(f"/activities/{activity_id}/signup/")
        attempts.append(Attempt(username, activity_id, status, browser.location))
        if n % 5 == 0:
            pages.append(browser.get("/"))
        time.sleep(0.03 if status == 302 else 0.2)  # after a 503, wait a little, as people do


def test_the_portal_survives_a_database_restart_under_load(cluster, tmp_path):
    members, activity_ids = seed_and_copy(cluster)
    server = Gunicorn(cluster.folder, cluster.url("portal"))
    try:
        server.wait_ready()
        browsers = {}
        for username in members:
            browsers[username] = Browser(server.base)
            browsers[username].log_in(username)

        attempts: list[Attempt] = []
        pages: list[int | None] = []
        stop = threading.Event()
        per_client = len(activity_ids) // CLIENTS
        threads = [
            threading.Thread(
                target=volunteer,
                args=(
                    browser,
                    username,
                    activity_ids[n * per_client : (n + 1) * per_client],
                    attempts,
                    pages,
                    stop,
                ),
                daemon=True,
            )  # fmt: skip
            for n, (username, browser) in enumerate(browsers.items())
        ]
        for thread in threads:
            thread.start()

        def successes(since=0.0):
            return sum(1 for a in list(attempts) if a.told_succeeded and a.at > since)

        assert wait_until(lambda: successes() >= 2 * CLIENTS, timeout=30), server.log()
        went_down = time.monotonic()
        cluster.stop("fast")
        health_while_down = []
        while time.monotonic() - went_down < DOWN_SECONDS:
            health_while_down.append(server.health())
            time.sleep(0.2)
        cluster.start()
        came_back = time.monotonic()
        recovered = wait_until(lambda: server.health() == 200, timeout=30)
        after = wait_until(lambda: successes(since=came_back) >= 2 * CLIENTS, timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        gunicorn_alive = server.process.poll() is None
    finally:
        server.stop()

    with closing(cluster.connect("portal")) as pg, pg.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, activity_id FROM {SignUp._meta.db_table} "  # noqa: S608
            "WHERE status IN %s",
            (tuple(SignUp.LIVE),),
        )
        saved = set(cursor.fetchall())
    told_succeeded = {(members[a.username], a.activity_id) for a in attempts if a.told_succeeded}
    told_failed = {(members[a.username], a.activity_id) for a in attempts if a.told_failed}
    unexpected = [a for a in attempts if not (a.told_succeeded or a.told_failed)]
    log = server.log()

    assert health_while_down and set(health_while_down) == {503}, (health_while_down, log)
    assert recovered, "/healthz did not answer 200 after the restart:\n" + log
    assert gunicorn_alive, "gunicorn stopped:\n" + log
    assert after, "sign-ups did not succeed again after the restart:\n" + log
    assert not unexpected, (unexpected, log)
    assert set(pages) <= {200, 503}, (sorted(set(pages), key=str), log)
    assert told_failed, "no sign-up was attempted while the database was down"
    assert told_succeeded <= saved, told_succeeded - saved
    assert not told_failed & saved, told_failed & saved
    assert saved == told_succeeded
