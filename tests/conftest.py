import os
import shutil
from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from groups.models import LeaderAssignment, ServiceGroup
from tests.factories import LeaderAssignmentFactory, MemberFactory, UserFactory

ROLES = ("anonymous", "volunteer", "coordinator", "other_coordinator", "staff", "admin")


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL; on SQLite they are skipped, visibly."""
    vendor = connection.vendor
    if vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason=f"needs PostgreSQL (DATABASE_URL points to {vendor}); CI runs it there"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _portal_language():
    """Each test starts in the portal's default language: a request made by an earlier
    test in the same worker (an English cookie, an English account) leaves its language
    active in the thread."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_work_left_after_a_response():
    """A response a test never closed (a streamed file) would leave its after-response
    work waiting in the thread, for whatever test comes next."""
    from volunteer_portal import mail

    mail._state.pending = None
    mail._state.batch = None
    yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits count in the cache, and pages are kept in theirs: each test starts with
    none used and none kept."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True, scope="session")
def _clean_test_media():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.IMPORT_SPOOL_DIR, ignore_errors=True)


def shipped_group(slug: str) -> ServiceGroup:
    """One of the five groups the data migration creates. A transactional test (live
    server, threads) flushes the tables when it ends, so a later one in the same worker
    may find them gone: then they are created again, as the migration does."""
    group = ServiceGroup.objects.filter(slug=slug).first()
    if group is None:
        from django.apps import apps

        import_module("groups.migrations.0003_five_service_groups").create(apps, None)
        group = ServiceGroup.objects.get(slug=slug)
    return group


@pytest.fixture
def ecommerce(db) -> ServiceGroup:
    """The e-commerce training group, created by the data migration."""
    return shipped_group("ecommerce")


@pytest.fixture
def culture(db) -> ServiceGroup:
    return shipped_group("culture")


def make_coordinator(group: ServiceGroup, username: str, role=LeaderAssignment.Role.COORDINATOR):
    user = UserFactory(username=username)
    member = MemberFactory(user=user, full_name=f"{username} 成员")
    LeaderAssignmentFactory(group=group, member=member, role=role)
    return user


@pytest.fixture
def volunteer(db):
    user = UserFactory(username="vol")
    MemberFactory(user=user)
    return user


@pytest.fixture
def coordinator(ecommerce):
    """Coordinator of the e-commerce group."""
    return make_coordinator(ecommerce, "coord")


@pytest.fixture
def other_coordinator(culture):
    """Coordinator of the culture group, who has no powers over e-commerce."""
    return make_coordinator(culture, "othercoord")


@pytest.fixture
def staff(db):
    """A staff account with no model permissions: Django admin's door, nothing behind it."""
    return UserFactory(username="clerk", is_staff=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def user_for_role(request, db):
    """Returns a function role -> user (None for anonymous)."""

    def get(role: str):
        if role == "anonymous":
            return None
        fixture = {"admin": "admin_user"}.get(role, role)
        return request.getfixturevalue(fixture)

    return get


@pytest.fixture
def client_for(client, user_for_role):
    """Returns a function role -> test client logged in as that role."""

    def get(role: str):
        user = user_for_role(role)
        if user is not None:
            client.force_login(user)
        return client

    return get


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    return path if os.path.exists(path) else None


def settings_read_afresh(expression: str, without=(), **variables):
    """``expression`` over the settings module (``s``) as a new process reads it from the
    environment: this one's, less ``without``, plus ``variables`` (DEBUG on unless given).
    The value comes back through JSON."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    environment = {k: v for k, v in os.environ.items() if k not in without}
    environment.update(DJANGO_SETTINGS_MODULE="volunteer_portal.settings", DEBUG="true")
    environment.update(variables)
    code = (
        f"import json; from volunteer_portal import settings as s; print(json.dumps({expression}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=settings.BASE_DIR,
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(found)


def s3_storage_settings(endpoint: str) -> dict:
    """STORAGES["default"] as the settings make it from the environment."""
    return settings_read_afresh(
        "s.STORAGES['default']",
        S3_BUCKET="portal-media", S3_ENDPOINT_URL=endpoint, S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="test-key", S3_SECRET_ACCESS_KEY="test-secret", S3_URL_SECONDS="120",
    )  # fmt: skip


@pytest.fixture
def object_storage(settings):
    """An S3-compatible server (moto's), with the portal's uploads on it (issue 13): its
    address; the bucket is ``portal-media``, reached with ``s3_client(address)``."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    storage = s3_storage_settings(endpoint)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["default_acl"] is None and storage["OPTIONS"]["querystring_auth"]
    s3_client(endpoint).create_bucket(Bucket="portal-media")
    settings.S3_BUCKET, settings.S3_URL_SECONDS = "portal-media", 120
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    yield endpoint
    server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test-key", aws_secret_access_key="test-secret",
    )  # fmt: skip
