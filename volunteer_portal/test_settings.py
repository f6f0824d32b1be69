"""Settings for the test suite: the real settings plus fast hashing and local mail."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from volunteer_portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A second connection to the test database, as a read replica would be: unused unless a
# test sets READ_REPLICA = "replica" (tests/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
DEMO_PASSWORD = "demo-password-for-tests"  # noqa: S105
# Serve static files from the source folders, as runserver does (no collectstatic).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Roster imports wait in a folder of the test run's own, not the machine's shared one.
IMPORT_SPOOL_DIR = Path(tempfile.mkdtemp(prefix="vp-test-imports-"))
# The views are tested as they render; tests/test_page_cache.py turns the page cache on.
PAGE_CACHE_SECONDS = 0
# And as they query: tests/test_kept_results.py turns the kept aggregates and the kept
# organisation on.
QUERY_CACHE_SECONDS = 0
