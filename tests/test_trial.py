"""The local trial (`make run`) runs with DEBUG off: the portal's own error pages, not Django's
technical 404 (English, every URL listed, too wide for a phone), and still serves static
files and uploads, needing nothing but Python.

The test runs the very commands `make run` would (read with `make -n`) against a
temporary database, static root and media root, then asks the running server."""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The test run's own settings variables must not leak into the trial.
LEAKING = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT",
           "DEMO_PASSWORD", "DJANGO_ALLOW_ASYNC_UNSAFE", "STATIC_ROOT", "MEDIA_ROOT",
           "SERVE_MEDIA", "ALLOWED_HOSTS"}  # fmt: skip

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def trial_commands(tmp_path, port) -> dict[str, str]:
    """`make run`'s command lines, by the manage.py command they run."""
    key = tmp_path / "trial-secret-key"
    key.write_text("trial-key-for-the-test-" + "x" * 40)
    dry = subprocess.run(
        [
            "make",
            "-n",
            "run",
            f"PY={sys.executable}",
            f"TRIAL_KEY={key}",
            f"PORT={port}",
            "HOST=127.0.0.1",
            "DEMO_PASSWORD=trial-demo-pass",
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    commands = {}
    for line in dry.splitlines():
        match = re.search(r"manage\.py (\w+)", line)
        if match:
            commands[match.group(1)] = line
    return commands


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    """A running trial server, as `make run` starts it; its base URL."""
    tmp_path = tmp_path_factory.mktemp("trial")
    port = free_port()
    commands = trial_commands(tmp_path, port)
    assert list(commands) == ["migrate", "seed_demo", "collectstatic", "runserver"]
    media = tmp_path / "media"
    (media / "groups").mkdir(parents=True)
    (media / "groups" / "emblem.txt").write_text("an uploaded file")
    env = {k: v for k, v in os.environ.items() if k not in LEAKING}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'trial.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(media),
    }
    for name in ("migrate", "seed_demo", "collectstatic"):
        done = subprocess.run(
            ["bash", "-c", commands[name]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{commands[name]}\n{done.stdout}\n{done.stderr}"
    # Its own session, so that the server and its autoreloader child stop together.
    server = subprocess.Popen(
        ["bash", "-c", "exec env " + commands["runserver"]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if server.poll() is not None:
                pytest.fail("the trial server stopped:\n" + server.stdout.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def test_make_run_keeps_debug_off_and_needs_only_python(tmp_path):
    commands = trial_commands(tmp_path, 8000)
    assert "DEBUG=false" in commands["runserver"]
    assert "SECRET_KEY=" in commands["runserver"]
    assert "DEBUG=true" not in commands["runserver"]
    assert shlex.split(commands["runserver"])[-1] == "127.0.0.1:8000"


def test_emailed_links_of_the_trial_point_at_its_own_address(tmp_path):
    """Invitation emails carry SITE_URL: on another port they must still work."""
    commands = trial_commands(tmp_path, 8123)
    assert "SITE_URL=http://127.0.0.1:8123" in shlex.split(commands["runserver"])


def test_the_trial_shows_the_portals_own_pages_and_serves_static_files(trial):
    status, html = get(f"{trial}/no-such-page/")
    assert status == 404
    assert "页面不存在" in html and "您访问的页面不存在" in html  # templates/404.html
    assert "Using the URLconf" not in html and "DEBUG = True" not in html

    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', html)
    assert stylesheets, html
    for href in stylesheets:
        status, css = get(trial + href)
        assert status == 200 and css, href
    # Hashed names (whitenoise's manifest, as in production), not the source names.
    assert any(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in stylesheets)

    status, upload = get(f"{trial}/media/groups/emblem.txt")
    assert (status, upload) == (200, "an uploaded file")


def test_the_trial_logs_in_over_plain_http(trial):
    """DEBUG off must not bring production's HTTPS-only cookies and redirects to the trial."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(f"{trial}/accounts/login/", timeout=10)
    assert login.url.startswith("http://")
    html = login.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "volunteer", "password": "trial-demo-pass"}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{trial}/accounts/login/", data=data, headers={"Referer": f"{trial}/accounts/login/"}
    )
    with opener.open(request, timeout=10) as response:
        assert response.status == 200
        assert response.url == f"{trial}/"
    assert any(cookie.name == "sessionid" for cookie in jar)
