"""Production settings: ``check --deploy`` is clean, and missing secrets or database are refused."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x7Qp9vL2mN8rT4wZ6yB1cF5hJ0dG3sA" * 2,
    "ALLOWED_HOSTS": "volunteers.example.org",
    "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
    "DJANGO_SETTINGS_MODULE": "volunteer_portal.settings",
    "REDIS_URL": "redis://127.0.0.1:6379/0",  # never connected to by a check
}


def manage(*args, env_overrides):
    # The test run's own settings variables must not leak into the child.
    leaking = {*PRODUCTION, "SECURE_SSL_REDIRECT", "DEMO_PASSWORD", "DJANGO_ALLOW_ASYNC_UNSAFE",
               "CACHE_URL", "CELERY_BROKER_URL"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in leaking}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_prints_no_warnings_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_each_process_would_keep_its_own_cache():
    """Issue 13: with several processes, a cache in each one's memory is a misconfiguration."""
    env = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
    assert result.returncode != 0 and "volunteer_portal.W004" in result.stderr
    assert "REDIS_URL" in result.stderr
    shared = env | {"CACHE_URL": "dbcache://portal_cache"}
    assert (
        manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=shared).returncode == 0
    )
    trial = env | {"DEBUG": "true"}
    assert "volunteer_portal.W004" not in manage("check", "--deploy", env_overrides=trial).stderr


def test_redis_url_is_the_shared_cache_and_the_broker_unless_told_otherwise():
    redis = "redis://127.0.0.1:6379/3"
    found = settings_of(
        PRODUCTION | {"REDIS_URL": redis}, "CACHE_IS_SHARED", "CELERY_BROKER_URL",
        "CELERY_TASK_ALWAYS_EAGER",
    )  # fmt: skip
    assert found == ["True", redis, "False"]
    apart = PRODUCTION | {"REDIS_URL": redis, "CELERY_BROKER_URL": "amqp://guest@127.0.0.1//"}
    assert settings_of(apart, "CELERY_BROKER_URL") == ["amqp://guest@127.0.0.1//"]
    nothing = {k: v for k, v in PRODUCTION.items() if k != "REDIS_URL"}
    assert settings_of(nothing, "CACHE_IS_SHARED", "CELERY_TASK_ALWAYS_EAGER") == ["False", "True"]


def test_production_without_a_secret_key_refuses_to_start_but_commands_still_run():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    assert manage("check", env_overrides=env).returncode == 0  # migrations, checks: fine
    result = manage("check", "--deploy", env_overrides=env)
    assert result.returncode != 0 and "volunteer_portal.E001" in result.stderr
    serve = subprocess.run(
        [sys.executable, "-c", "import volunteer_portal.wsgi"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in PRODUCTION}, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serve.returncode != 0 and "Set SECRET_KEY" in serve.stderr


def test_check_deploy_reports_an_error_without_a_database_url_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = manage("check", "--deploy", env_overrides=env)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "volunteer_portal.E002" in result.stderr
    assert "README.md" in result.stderr


def test_check_deploy_accepts_any_database_url_that_is_set():
    result = manage("check", "--deploy", env_overrides=PRODUCTION)
    assert "volunteer_portal.E002" not in result.stdout + result.stderr


def test_sqlite_without_a_database_url_is_fine_for_a_debug_trial():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"} | {"DEBUG": "true"}
    result = manage("check", "--deploy", env_overrides=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "volunteer_portal.E002" not in result.stdout + result.stderr


def settings_of(env_overrides, *names) -> list[str]:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(*[getattr(settings, n) for n in {list(names)!r}])"
    )
    leaking = {*PRODUCTION, "SECURE_SSL_REDIRECT", "DEMO_PASSWORD", "DJANGO_ALLOW_ASYNC_UNSAFE",
               "CACHE_URL", "CELERY_BROKER_URL"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in leaking}
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_language_cookie_is_secure_samesite_and_httponly_in_production():
    names = ("LANGUAGE_COOKIE_SECURE", "LANGUAGE_COOKIE_SAMESITE", "LANGUAGE_COOKIE_HTTPONLY")
    assert settings_of(PRODUCTION, *names) == ["True", "Lax", "True"]
    # The local trial over plain HTTP (make run) turns secure cookies off, this one too.
    trial = {**PRODUCTION, "SESSION_COOKIE_SECURE": "false"}
    assert settings_of(trial, *names) == ["False", "Lax", "True"]


def test_the_switcher_sets_the_cookie_with_those_flags(client, db, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


# Runs in a child process with production settings (an in-memory database, migrated there):
# what a browser gets from `/`, the login page and a logged-in page over HTTPS, and the
# cookies the portal sets on the way (csrftoken, sessionid, django_language).
HEADERS_SCRIPT = """
import json
import django

django.setup()
from django.core.management import call_command
from django.test import Client

from tests.factories import MemberFactory, UserFactory

call_command("migrate", verbosity=0)
MemberFactory(user=UserFactory(username="headers"))
client = Client(HTTP_HOST="volunteers.example.org", HTTP_X_FORWARDED_PROTO="https")
seen = {"pages": {}, "cookies": {}}

def keep(response):
    for name, morsel in response.cookies.items():
        seen["cookies"][name] = {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"],
        }
    return response

for label, path in (("home", "/"), ("login", "/accounts/login/")):
    response = keep(client.get(path, secure=True))
    seen["pages"][label] = {"status": response.status_code, "headers": dict(response.headers)}
credentials = {"username": "headers", "password": "correct horse battery staple"}
keep(client.post("/accounts/login/", credentials, secure=True))
response = keep(client.get("/members/me/", secure=True))
seen["pages"]["me"] = {"status": response.status_code, "headers": dict(response.headers)}
keep(client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True))
print(json.dumps(seen))
"""

CSP_DIRECTIVES = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def _csp(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


def test_security_headers_and_cookies_with_production_settings():
    """Issue 9 acceptance: every page carries the security headers, every cookie its flags."""
    import json

    leaking = {*PRODUCTION, "SECURE_SSL_REDIRECT", "DEMO_PASSWORD", "DJANGO_ALLOW_ASYNC_UNSAFE",
               "CACHE_URL", "CELERY_BROKER_URL"}  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in leaking}
    env.update(PRODUCTION)
    env["DATABASE_URL"] = "sqlite://:memory:"
    # Static files as they are in the checkout (production serves collectstatic's manifest).
    env["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    result = subprocess.run(
        [sys.executable, "-c", HEADERS_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert set(seen["pages"]) == {"home", "login", "me"}
    for label, page in seen["pages"].items():
        assert page["status"] == 200, label
        headers = page["headers"]
        csp = _csp(headers["Content-Security-Policy"])
        for directive, values in CSP_DIRECTIVES.items():
            assert csp.get(directive) == values, (label, directive, csp.get(directive))
        assert not any("'unsafe-inline'" in v or "'unsafe-eval'" in v for v in csp.values())
        policy = headers["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy, (label, feature)
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )

    cookies = seen["cookies"]
    assert {"csrftoken", "sessionid", "django_language"} <= set(cookies)
    for name in ("csrftoken", "sessionid", "django_language"):
        assert cookies[name]["secure"], name
        assert cookies[name]["samesite"] == "Lax", name
    # Only the server reads the session and language cookies; Django's CSRF cookie stays
    # readable, as its documentation advises (forms carry the token, not scripts).
    assert cookies["sessionid"]["httponly"] and cookies["django_language"]["httponly"]


def test_the_same_policies_hold_with_debug_on():
    """Trying the portal out (DEBUG) shows what production would block."""
    names = ("CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY")
    debug = {**PRODUCTION, "DEBUG": "true"}
    assert settings_of(debug, *names) == settings_of(PRODUCTION, *names)
    assert "'unsafe-inline'" not in " ".join(settings_of(debug, *names))
