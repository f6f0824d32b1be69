"""Playwright driving Debian's Chromium against the live test server."""

import contextlib
import io
import os
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import chromium_path

ROOT = Path(__file__).resolve().parents[2]
# Tests leave the checkout as they found it: pictures go to an ignored folder unless
# `make screenshots` asks for the README's (SCREENSHOT_DIR=docs/screenshots).
SCREENSHOTS = ROOT / os.environ.get("SCREENSHOT_DIR", "test-results/screenshots")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install chromium); CI runs it")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page reports what the content security policy blocked (the browser fires a
# `securitypolicyviolation` event, and logs "... violates the following Content Security
# Policy directive" in the console), so that any browser test fails on a violation: an
# inline script, handler or style attribute slipped in. Note for tests: the policy has no
# 'unsafe-eval', so `page.wait_for_function("a string")` fails; use `page.evaluate`.
CSP_LISTENER = """
window.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolation([
    event.effectiveDirective, event.blockedURI || "inline",
    event.sourceFile + ":" + event.lineNumber, event.sample, document.location.href
  ].join(" | "));
}, true);
"""
# The console also tells of a Permissions-Policy header the browser does not understand.
CONSOLE_PROBLEMS = ("Content Security Policy", "Permissions-Policy", "Permissions policy")


def watch_policies(context, problems: list[str]) -> None:
    """Record on ``problems`` every policy violation on the context's pages."""
    context.expose_function("__cspViolation", lambda report: problems.append(report))
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        if message.type in ("error", "warning") and any(
            word in message.text for word in CONSOLE_PROBLEMS
        ):
            problems.append(f"console {message.type}: {message.text}")

    context.on("console", on_console)


@pytest.fixture
def page_for(browser, live_server):
    """A function (width, height, language) -> a fresh page on the live server.

    When the test ends, any content security policy violation on any of its pages fails it."""
    contexts = []
    problems: list[str] = []

    def make(width=1280, height=900, language="zh-hans"):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        context.set_default_timeout(10_000)
        watch_policies(context, problems)
        contexts.append(context)
        return context.new_page()

    yield make
    from playwright.sync_api import Error

    for context in contexts:
        for page in context.pages:  # a round trip delivers reports still on their way
            with contextlib.suppress(Error):  # closed, or navigating: nothing more to hear
                page.evaluate("0")
        context.close()
    assert not problems, "content security policy violations:\n" + "\n".join(problems)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


PASSWORD = "browser-demo-pass"


@pytest.fixture
def demo(db):
    """The shipped rows (a flush between live-server tests empties every table) and the
    demo data on top."""
    from django.apps import apps

    for migration in ("groups.migrations.0003_five_service_groups",
                      "members.migrations.0003_default_skills"):  # fmt: skip
        import_module(migration).create(apps, None)
    with override_settings(DEBUG=True):
        call_command("seed_demo", password=PASSWORD, members=60, stdout=io.StringIO())


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base_url}/")
