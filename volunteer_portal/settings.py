"""Settings for volunteer-portal, read from the environment.

With nothing set, the portal runs on an SQLite file next to ``manage.py``, which is the
embedded default for trying it out. Production sets ``DATABASE_URL`` (PostgreSQL),
``SECRET_KEY``, ``ALLOWED_HOSTS`` and leaves ``DEBUG`` off; see README.md.
"""

import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
# Without a SECRET_KEY, management commands (migrations, checks, tests) still run, but the
# web server refuses to start unless DEBUG is on (wsgi.py), and `check --deploy` reports
# an error (volunteer_portal.E001). Production must set its own key.
SECRET_KEY_MISSING = not SECRET_KEY
if SECRET_KEY_MISSING:
    SECRET_KEY = "django-insecure-local-trial-only"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "django_ratelimit",
    "volunteer_portal",
    "members",
    "groups",
    "activities",
    "service_requests",
    "reports",
]

MIDDLEWARE = [
    # First: a forged cookie with a control character is ignored before anything reads it.
    "volunteer_portal.middleware.DropControlCharacterCookiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, static files too.
    "csp.middleware.CSPMiddleware",
    "volunteer_portal.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that fails because the database is down answers 503 (handler500 in urls.py
    # does the same for a failure in a middleware, such as loading the session).
    "volunteer_portal.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a logged-in user's language is kept on their account.
    "volunteer_portal.middleware.PortalLocaleMiddleware",
    # After the language, so the 400 page speaks it; before anything reads the address.
    "volunteer_portal.middleware.RejectControlCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login that django-axes refused into the lockout page (members.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "volunteer_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "volunteer_portal.context_processors.portal",
            ],
        },
    },
    # The partials drawn once per row of a long list (volunteer_portal.jinja).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "volunteer_portal.jinja.environment"},
    },
]

WSGI_APPLICATION = "volunteer_portal.wsgi.application"

# Database: DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/volunteer_portal.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Without DATABASE_URL the portal falls back to SQLite: fine for a local trial, but with
# DEBUG off `check --deploy` reports an error (volunteer_portal.E002, see apps.py).
DATABASE_URL_MISSING = "DATABASE_URL" not in env
# A read replica of DATABASE_URL (PostgreSQL streaming replication), for the reports and
# the roster's exports (volunteer_portal/replica.py); unset, they read the primary.
if "DATABASE_REPLICA_URL" in env:
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
READ_REPLICA = "replica" if "replica" in DATABASES else None
DATABASE_ROUTERS = ["volunteer_portal.replica.ReplicaRouter"]
for _database in DATABASES.values():
    # Keep connections for a minute, and check them before reuse, so a database restart
    # costs one failed health check instead of a run of 500s.
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles a query its planner thinks costly: worth it for
        # reports over millions of rows, not for a page's queries, which it can slow
        # tenfold (the volunteer suggestions: 80 ms of work, 780 ms of compiling). Off, as
        # for most web apps; DATABASE_JIT=on gives it back.
        _options = _database.setdefault("OPTIONS", {})
        _jit = f"-c jit={'on' if env.bool('DATABASE_JIT', default=False) else 'off'}"
        _options["options"] = f"{_options.get('options', '')} {_jit}".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any login for an account that is locked out (members.lockout).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "members.backends.PhoneBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Simplified Chinese by default, English switchable by the user.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files: hashed and compressed by whitenoise, served by the app itself.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads are served by nginx in production (README.md). The app serves them itself when
# debugging, and in the local trial (`make run` sets SERVE_MEDIA=true), which runs with
# DEBUG off so that it shows the portal's own error pages.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Uploads on S3-compatible object storage (AWS S3, Aliyun OSS, MinIO…) when S3_BUCKET is
# set, through django-storages: what several app servers need, where each has its own disk.
# The bucket stays private: every address the portal gives out is signed and lapses after
# S3_URL_SECONDS, and members' photos are handed out only by a view that checks who asks
# (members.views.member_photo).
S3_BUCKET = env.str("S3_BUCKET", default="")
S3_URL_SECONDS = env.int("S3_URL_SECONDS", default=3600)
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            # Unset: AWS itself; for OSS, MinIO and the like their address.
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            # Unset: boto3's own search (AWS_ACCESS_KEY_ID…, an instance role).
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            "default_acl": None,  # the bucket's own: private
            "querystring_auth": True,
            "querystring_expire": S3_URL_SECONDS,
            "file_overwrite": False,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="") or None,
        },
    }

# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Django admin's import and export need model permissions, like everything else there.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Widgets (every input, select and option) drawn by Django's Jinja2 widget templates: the
# same markup at a third of the cost, which was most of a 500-person attendance sheet's time.
FORM_RENDERER = "volunteer_portal.renderers.FastWidgets"

# Email: EMAIL_URL such as smtp+tls://user:password@smtp.example.com:587.
# Unset, mail is printed to the console (fine for a local trial).
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
ADMINS = [("Admin", a) for a in env.list("ADMIN_EMAILS", default=[])]
# Outgoing mail waits in the outbox (volunteer_portal.mail) and is retried with back-off up
# to this many times; `manage.py send_outbox` runs from cron every minute.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
# A mail server that hangs is given up on after this many seconds (and retried later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
# At most one error email to the admins per kind of error in this many seconds.
ADMIN_ERROR_MAIL_WINDOW = env.int("ADMIN_ERROR_MAIL_WINDOW", default=600)

# Redis, for everything several app servers share (README.md, "Beyond one server"): set
# REDIS_URL (redis://host:6379/0) and it is the cache and Celery's broker, unless
# CACHE_URL or CELERY_BROKER_URL say otherwise. Unset: nothing needs Redis.
REDIS_URL = env.str("REDIS_URL", default="")

# The cache: process memory by default. Rate limits count in it, so with several app
# processes or servers they only hold once it is shared (Redis, the scale-out settings).
# CACHE_URL shares it: dbcache://portal_cache (after `manage.py createcachetable`), or Redis.
CACHES = {
    "default": env.cache_url("CACHE_URL", default=REDIS_URL or "locmemcache://"),
    # Rendered pieces of pages, keyed by everything they show (the filter forms' selects,
    # volunteer_portal.templatetags.portal): never stale, so each process keeps its own,
    # apart from the rate limits' counts, which they could otherwise push out.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # Whole public pages and calendar feed bodies (volunteer_portal.page_cache,
    # activities.feeds): apart too, and bounded, as any address makes a key. Their
    # generation, which a change moves on, stays in the shared default cache.
    "pages": env.cache_url("PAGE_CACHE_URL", default="locmemcache://pages"),
}
CACHES["pages"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 1000)
# A Redis that does not answer fails a cache read in seconds, not after the system's two
# minutes (REDIS_URL is also the broker: without it, neither works).
for _cache in CACHES.values():
    if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        _cache.setdefault("OPTIONS", {}).setdefault("socket_connect_timeout", 2)
        _cache["OPTIONS"].setdefault("socket_timeout", 5)
# Whether the app processes share the default cache (Redis, the database) or each has its
# own (process memory, the default): what may be kept there between requests depends on it.
CACHE_IS_SHARED = CACHES["default"]["BACKEND"] not in (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
# Public pages (home, activities, a group, an activity) are cached whole for anonymous
# visitors this many seconds, dropped at once on a change (volunteer_portal.page_cache);
# 0 turns that off (the default with DEBUG on: a template being edited shows at once).
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=0 if DEBUG else 60)
# Aggregates over a whole list (a roster's category counts, the groups' member counts) and
# the organisation's row are kept as long as this, or until a change drops them
# (volunteer_portal.page_cache.query_result). Only with a shared cache by default: with a
# cache per process, a change made through one process would not reach the others' copies.
# 0 turns it off.
QUERY_CACHE_SECONDS = env.int("QUERY_CACHE_SECONDS", default=300 if CACHE_IS_SHARED else 0)
# django-ratelimit refuses a per-process cache; for one process (the trial) it is exact.
# django-axes counts per account only: the per-address limit is the login view's
# (volunteer_portal.throttle), higher, as a whole venue may share one address.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001", "axes.W006"]
RATELIMIT_IP_META_KEY = "volunteer_portal.throttle.client_ip"
# Proxies in front that append to X-Forwarded-For: production runs behind nginx (README.md,
# as SECURE_PROXY_SSL_HEADER assumes); set 0 if the app server faces the internet itself.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1)
# How often strangers may try (volunteer_portal.throttle): per address unless named.
RATE_LIMITS = {
    "signup": env.str("RATE_LIMIT_SIGNUP", default="10/h"),
    "password-reset": env.str("RATE_LIMIT_PASSWORD_RESET", default="10/h"),
    "password-reset-email": env.str("RATE_LIMIT_PASSWORD_RESET_EMAIL", default="3/h"),
    "login-address": env.str("RATE_LIMIT_LOGIN_ADDRESS", default="30/15m"),
    "profile": env.str("RATE_LIMIT_PROFILE", default="20/h"),  # per account
    "password-change": env.str("RATE_LIMIT_PASSWORD_CHANGE", default="10/h"),  # per account
    # The public's service requests: every attempt per address, sent requests per phone.
    "request-address": env.str("RATE_LIMIT_REQUEST_ADDRESS", default="10/h"),
    "request-phone": env.str("RATE_LIMIT_REQUEST_PHONE", default="3/d"),
    "request-lookup": env.str("RATE_LIMIT_REQUEST_LOOKUP", default="20/h"),  # typed codes
}

# Login throttling (django-axes, members.lockout): an account is locked for a cool-off
# period after this many failed logins, counted whichever way it was named (username or
# phone). Failing again while locked does not extend it; a password reset unlocks it.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "members.lockout.attempted_account"
AXES_LOCKOUT_CALLABLE = "members.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "volunteer_portal.throttle.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False

# Security: strict outside DEBUG, so ``check --deploy`` is clean in production.
SESSION_COOKIE_HTTPONLY = True
# Sessions are kept in the database, and read through the cache when it is shared (a
# logged-in page's first query saved). A cache per process would keep a copy per process:
# an import's preview saved on one, its confirmation read on another from an older copy.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if CACHE_IS_SHARED else "db")
# The language switcher's cookie: only the server reads it.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp), the same with DEBUG on, so trying out shows what
# production blocks: scripts, styles, fonts and images from the portal's own files only; no
# inline scripts, event handlers or style="" attributes (JavaScript lives in static/js,
# styles in static/css); `data:` images for Bootstrap's icons drawn in its CSS (the select
# arrow, check marks). The portal is never framed, posts forms only to itself, embeds no
# plugins. Browser tests fail on any violation (tests/browser/conftest.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Uploads on object storage: their images come from the bucket's own address (a signed
# one; a member's photo is a redirect there, which the policy also checks).
if S3_BUCKET:
    _endpoint = STORAGES["default"]["OPTIONS"]["endpoint_url"]
    if _endpoint:
        _parts = urlsplit(_endpoint)
        # The endpoint itself (path-style addresses) and its subdomains (virtual-hosted).
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += [
            f"{_parts.scheme}://{_parts.netloc}",
            f"{_parts.scheme}://*.{_parts.netloc}",
        ]
    else:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += ["https://*.amazonaws.com"]

# Permissions-Policy (volunteer_portal.middleware): browser features the portal never uses
# are off for it and anything it might embed. Check-in QR codes are scanned with the phone's
# own camera app, not in the page, so the camera stays off too.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # The proxy in front (nginx) must overwrite X-Forwarded-Proto, never pass it through.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# The portal's public address, for links in emails (no request to take it from there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Demo data (seed_demo): the password for demo accounts when --password is not given.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "class": "volunteer_portal.errormail.ThrottledAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-axes logs every login at INFO; failures and lockouts are kept in admin.
        "axes": {"level": "WARNING"},
        # Django's own errors (a bad Host header, too many fields) through the throttled
        # handler too, instead of Django's default handler, which mails every one.
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        # The database is down (pages answer 503): one email per outage, not per request.
        "volunteer_portal.database": {
            "handlers": ["console", "mail_admins"],
            "level": "WARNING",
            "propagate": False,
        },
        "django.request": {
            "handlers": ["console", "mail_admins"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}

# Background work on Celery (volunteer_portal.tasks): emails, and the periodic jobs of
# PERIODIC_JOBS. With no broker (the default, and `make run`), there is no worker:
# emails go out after the response as before and the periodic jobs are the management
# commands, run by cron (README.md). With one (REDIS_URL, or CELERY_BROKER_URL such as
# amqp://… for RabbitMQ), `celery -A volunteer_portal worker` and one `… beat` run them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# No broker: a task asked for runs at once in the process that asks.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is taken off the queue only once done: a worker stopped or killed mid-task leaves
# it for the next (every task can run twice: the outbox's claims send each email once).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Nothing reads a task's result.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down must not hold a request: two quick tries, then the outbox's own
# retries (send_outbox, every minute) take over.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: a task not acknowledged in this time (its worker died) is given to another.
    "visibility_timeout": 3600,
    # A Redis host that does not answer (rather than refuse) is given up on in seconds,
    # not after the system's two minutes.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# The periodic jobs, one schedule: each the management command of that name with its
# arguments, and when (cron's fields: minute hour day-of-month month day-of-week, local
# time). With a broker, `celery -A volunteer_portal beat` (exactly one) queues them
# (volunteer_portal/celery.py); without, the cron lines of README.md are the same list.
PERIODIC_JOBS = [
    (["send_outbox"], "* * * * *"),
    (["expire_offers"], "*/5 * * * *"),
    (["send_reminders"], "0 * * * *"),
    (["expire_imports"], "15 * * * *"),
    (["axes_reset_logs", "--age", "90"], "30 3 * * *"),
    (["request_digest"], "0 8 * * *"),
    (["close_requests"], "40 3 * * *"),
    (["erase_requests"], "45 3 * * *"),
    (["precompute_reports"], "20 * * * *"),
]
# This year's reports are computed ahead by the job above and kept in the shared cache
# (reports/precompute.py); only with a shared cache, which the report pages read. A kept
# report older than this (the job has stopped) is computed afresh instead.
REPORTS_PRECOMPUTED = env.bool("REPORTS_PRECOMPUTED", default=CACHE_IS_SHARED)
REPORTS_PRECOMPUTED_MAX_AGE_MINUTES = env.int("REPORTS_PRECOMPUTED_MAX_AGE_MINUTES", default=150)

# Roster imports wait here between preview and confirmation (private, not under MEDIA_ROOT).
IMPORT_SPOOL_DIR = env.path(
    "IMPORT_SPOOL_DIR", default=Path(tempfile.gettempdir()) / "volunteer-portal-imports"
)
# A preview never confirmed: its spooled file is removed after this many hours.
IMPORT_SPOOL_MAX_AGE_HOURS = env.float("IMPORT_SPOOL_MAX_AGE_HOURS", default=24)
# What one import in the web (roster page, Django admin) may cost; larger files go
# through `manage.py import_members`, which has no such limits.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
IMPORT_TIME_BUDGET_SECONDS = env.float("IMPORT_TIME_BUDGET_SECONDS", default=10)
# Larger work on the roster page is done in the background (groups.jobs: a Celery worker
# with a broker, else this process after the response), and the page shows its progress,
# then the file or the preview: exports of more rows than this, and imported files of
# more bytes than this (checked and imported with the limits below, not the web's).
ROSTER_BACKGROUND_ROWS = env.int("ROSTER_BACKGROUND_ROWS", default=2000)
IMPORT_BACKGROUND_BYTES = env.int("IMPORT_BACKGROUND_BYTES", default=256 * 1024)
IMPORT_BACKGROUND_MAX_ROWS = env.int("IMPORT_BACKGROUND_MAX_ROWS", default=100_000)
IMPORT_BACKGROUND_TIME_BUDGET_SECONDS = env.float(
    "IMPORT_BACKGROUND_TIME_BUDGET_SECONDS", default=600
)

# Star levels by cumulative approved hours (the 2012 national record rules); some
# localities use other thresholds: STAR_THRESHOLDS=100,300,600,1000,1500
STAR_THRESHOLDS = env.list("STAR_THRESHOLDS", cast=int, default=[100, 300, 600, 1000, 1500])
# QR check-in opens this many minutes before an activity starts.
CHECKIN_OPENS_MINUTES_BEFORE = env.int("CHECKIN_OPENS_MINUTES_BEFORE", default=60)
# Invitations for members without an account (a link or QR code) expire after this many days.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=14)
# A service request with no action for this many days is marked overdue in the queues.
REQUEST_OVERDUE_DAYS = env.int("REQUEST_OVERDUE_DAYS", default=7)
# The requester's personal data is erased this many days after a request is closed.
REQUEST_ERASE_AFTER_DAYS = env.int("REQUEST_ERASE_AFTER_DAYS", default=365)
# A completed request the requester has not rated is closed this many days after completion.
REQUEST_RATING_DAYS = env.int("REQUEST_RATING_DAYS", default=30)
