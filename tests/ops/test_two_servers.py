"""Issue 13: two app servers side by side, sharing PostgreSQL, Redis and an S3-compatible
server (moto's), with one Celery worker; each server has a disk of its own.

What one server did, the other sees: a login, an uploaded photo, an import's preview, a
rate limit's count; an email asked for on either is sent once, by the worker, and one asked
for while the worker is stopped is sent when it is back."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from PIL import Image

from members.models import Member, Skill
from tests.conftest import s3_client
from tests.factories import MembershipFactory
from tests.ops.conftest import (
    ROOT,
    database_url,
    free_port,
    portal_env,
    stop_process_group,
    wait_until,
)
from volunteer_portal.models import OutgoingEmail

pytestmark = [
    pytest.mark.postgres,
    # committed (and the shipped groups kept), so that the servers and the worker see it
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "two-servers-pass-2026"  # noqa: S105
CACHE = "redis://127.0.0.1:6379/12"
BROKER = "redis://127.0.0.1:6379/11"


def png() -> bytes:
    """A photo as a phone would send it (the portal re-encodes it as JPEG)."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(CACHE, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


class Process:
    """A portal process (gunicorn, or a Celery worker) with its own log."""

    def __init__(self, folder: Path, name: str, command: list[str], env: dict):
        self.log_path = folder / f"{name}.log"
        self.command, self.env = command, env
        self.process = None

    def start(self):
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log_file,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process is not None:
            stop_process_group(self.process, timeout=30)
        self.log_file.close()


@pytest.fixture
def servers(object_storage, tmp_path):
    """(A's address, B's address, the worker), all on the same PostgreSQL, Redis and
    object storage; each server with a MEDIA_ROOT and a spool folder of its own."""
    if not redis_answers():
        pytest.skip("needs Redis on 127.0.0.1:6379 (CI has it)")
    for url in (CACHE, BROKER):
        redis.Redis.from_url(url).flushdb()
    shared = dict(
        DEBUG="false",
        SECRET_KEY="two-servers-" + "k" * 50,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        ALLOWED_HOSTS="127.0.0.1",
        TRUSTED_PROXY_COUNT="1",  # as behind nginx: each visitor's X-Forwarded-For counts
        DATABASE_URL=database_url(connection.settings_dict, connection.settings_dict["NAME"]),
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        LOG_LEVEL="WARNING",
        CACHE_URL=CACHE,
        CELERY_BROKER_URL=BROKER,
        S3_BUCKET="portal-media",
        S3_ENDPOINT_URL=object_storage,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test-key",
        S3_SECRET_ACCESS_KEY="test-secret",
        RATE_LIMIT_PASSWORD_RESET="2/h",  # per address: the third request is refused
        ROSTER_BACKGROUND_ROWS="1",  # an export of two members is the worker's
    )
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    started = []
    addresses = []
    for name in ("a", "b"):
        port = free_port()
        env = portal_env(
            **shared,
            MEDIA_ROOT=tmp_path / name / "media",
            IMPORT_SPOOL_DIR=tmp_path / name / "spool",
        )
        command = [gunicorn, "volunteer_portal.wsgi", "--bind", f"127.0.0.1:{port}",
                   "--workers", "1", "--timeout", "60"]  # fmt: skip
        started.append(Process(tmp_path, f"server-{name}", command, env).start())
        addresses.append(f"http://127.0.0.1:{port}")
    worker_env = portal_env(**shared, MEDIA_ROOT=tmp_path / "worker" / "media")
    worker_env.pop("EMAIL_URL", None)  # the console backend: the log shows what is sent
    worker = Process(
        tmp_path, "worker",
        [sys.executable, "-m", "celery", "-A", "volunteer_portal", "worker", "--pool", "solo",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        worker_env,
    )  # fmt: skip
    try:
        for address, process in zip(addresses, started, strict=True):

            def ready(address=address, process=process):
                if process.process.poll() is not None:
                    return True
                try:
                    return requests.get(address + "/healthz", timeout=5).status_code == 200
                except requests.RequestException:
                    return False

            assert wait_until(ready, 90) and process.process.poll() is None, process.log()
        yield addresses[0], addresses[1], worker
    finally:
        for process in [*started, worker]:
            if process.process is not None:
                process.stop()
        for url in (CACHE, BROKER):
            redis.Redis.from_url(url).flushdb()


def logged_in(address: str, username: str) -> requests.Session:
    browser = requests.Session()
    assert browser.get(address + "/accounts/login/", timeout=30).status_code == 200
    answer = browser.post(
        address + "/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf(browser)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, re.findall(
        r"(?s)invalid-feedback.{0,300}|alert.{0,300}", answer.text
    )
    return browser


def csrf(browser: requests.Session) -> str:
    return browser.cookies.get("csrftoken", "")


def reset(browser: requests.Session, address: str, email: str) -> int:
    """Ask for a password reset email (the rate limit counts the visitor's address)."""
    browser.get(address + "/accounts/password_reset/", timeout=30)
    return browser.post(
        address + "/accounts/password_reset/",
        {"email": email, "csrfmiddlewaretoken": csrf(browser)},
        allow_redirects=False,
        timeout=30,
    ).status_code


def test_two_app_servers_share_sessions_files_imports_limits_and_the_worker(
    servers, coordinator, ecommerce, volunteer, object_storage
):
    a, b, worker = servers
    hasher = PBKDF2PasswordHasher()  # the servers' (the tests' own hasher is a fast one)
    for user in (coordinator, volunteer):
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save()
    member = volunteer.member
    MembershipFactory(member=member, group=ecommerce)
    skill, _ = Skill.objects.get_or_create(name="网店运营")  # whatever an earlier test left

    # A login on A is valid on B.
    browser = logged_in(a, volunteer.username)
    mine = browser.get(b + "/members/me/", allow_redirects=False, timeout=30)
    assert mine.status_code == 200 and member.full_name in mine.text

    # A photo uploaded on A shows on B, from the bucket (neither server's disk holds it).
    browser.get(a + "/members/me/edit/", timeout=30)
    profile = {
        "full_name": member.full_name, "phone": member.phone, "email": volunteer.email,
        "personnel_category": "freelancer", "political_status": "citizen",
        "district": "longhai", "skills": [skill.pk],
        "available_weekends": "on", "csrfmiddlewaretoken": csrf(browser),
    }  # fmt: skip
    saved = browser.post(
        a + "/members/me/edit/", data=profile,
        files={"photo_upload": ("me.png", png(), "image/png")},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert saved.status_code == 302, re.findall(r"(?s)invalid-feedback.{0,200}", saved.text)
    member = Member.objects.get(pk=member.pk)
    assert member.photo.name
    listed = s3_client(object_storage).list_objects_v2(Bucket="portal-media")["Contents"]
    keys = [entry["Key"] for entry in listed]
    assert member.photo.name in keys
    photo = browser.get(b + f"/members/{member.pk}/photo/", timeout=30)  # through the signature
    assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"  # a JPEG

    # An import previewed on A is confirmed on B.
    coordinating = logged_in(a, coordinator.username)
    coordinating.get(a + "/groups/ecommerce/roster/import/", timeout=30)
    preview = coordinating.post(
        a + "/groups/ecommerce/roster/import/",
        data={"csrfmiddlewaretoken": csrf(coordinating)},
        files={
            "file": ("roster.csv", "姓名,手机号\n两台服务器,13900000077\n".encode(), "text/csv")
        },
        timeout=30,
    )
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert preview.status_code == 200 and token, preview.text[:3000]
    confirmed = coordinating.post(
        b + "/groups/ecommerce/roster/import/confirm/",
        {"token": token.group(1), "csrfmiddlewaretoken": csrf(coordinating)},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert confirmed.status_code == 302
    assert Member.objects.filter(phone="13900000077", memberships__group=ecommerce).exists()

    # A rate limit counted on A holds on B; and each email asked for is sent once.
    visitor = requests.Session()
    visitor.headers["X-Forwarded-For"] = "203.0.113.7"
    assert reset(visitor, a, volunteer.email) == 302
    assert reset(visitor, a, "nobody@example.org") == 302
    assert reset(visitor, b, volunteer.email) == 429  # the third, on the other server

    sent = OutgoingEmail.Status.SENT
    worker.start()
    assert wait_until(lambda: OutgoingEmail.objects.filter(status=sent).count() == 1, 60), (
        worker.log()
    )

    # A large export asked for on A is written by the worker into the bucket; its page,
    # and the file, are on B too.
    asked = coordinating.get(
        a + "/groups/ecommerce/roster/export.csv", allow_redirects=False, timeout=30
    )
    assert asked.status_code == 302 and "/roster/jobs/" in asked.headers["Location"]
    job_page = b + asked.headers["Location"]
    finished = lambda: coordinating.get(job_page + "status/", timeout=30).json()["finished"]  # noqa: E731
    assert wait_until(finished, 60), worker.log()
    assert "job-download" in coordinating.get(job_page, timeout=30).text
    exported = coordinating.get(job_page + "file/", timeout=30)  # signed, from the bucket
    assert exported.status_code == 200, exported.text[:500]
    assert "两台服务器" in exported.content.decode("utf-8-sig")
    assert "attachment" in exported.headers["Content-Disposition"]

    # The worker stops: an email asked for meanwhile waits, and goes when it is back.
    worker.stop()
    other = requests.Session()
    other.headers["X-Forwarded-For"] = "198.51.100.9"  # another visitor: not limited
    assert reset(other, b, volunteer.email) == 302
    assert not wait_until(lambda: OutgoingEmail.objects.filter(status=sent).count() == 2, 3)
    worker.start()
    assert wait_until(lambda: OutgoingEmail.objects.filter(status=sent).count() == 2, 60), (
        worker.log()
    )
    assert OutgoingEmail.objects.count() == 2
    assert worker.log().count(f"To: {volunteer.email}") == 2, worker.log()
