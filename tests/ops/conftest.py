"""Helpers for the operations tests: PostgreSQL programs, free ports, the environment a
portal process gets (none of the test run's own settings), database addresses."""

import glob
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
# The test run's own settings variables must not leak into a portal process.
LEAKING = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT",
           "DEMO_PASSWORD", "DJANGO_ALLOW_ASYNC_UNSAFE", "STATIC_ROOT", "MEDIA_ROOT",
           "SERVE_MEDIA", "ALLOWED_HOSTS", "CONN_MAX_AGE"}  # fmt: skip


def pg_program(name: str) -> str | None:
    """A PostgreSQL program: the newest server install's (Debian keeps initdb and pg_ctl
    off PATH, in /usr/lib/postgresql/<version>/bin), else PATH's."""
    installed = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parts[-3])],
    )
    if installed:
        return installed[-1]
    from shutil import which

    return which(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float, interval: float = 0.1) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def stop_process_group(process: subprocess.Popen, timeout: float) -> None:
    """Stop a process started with ``start_new_session`` and all it started: politely
    (SIGTERM, as systemd does), then by force."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def portal_env(**variables) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKING}
    return env | {k: str(v) for k, v in variables.items()}


def database_url(settings_dict: dict, name: str) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{name}"


def pg_connect(settings_dict: dict, name: str):
    """A psycopg2 connection to database ``name`` on the server of ``settings_dict``."""
    connection = psycopg2.connect(
        dbname=name,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
    )
    connection.autocommit = True
    return connection


def table_counts(connection) -> dict[str, int]:
    """Rows in every table of the public schema."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(row[0] for row in cursor.fetchall())
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - catalogue names
            counts[table] = cursor.fetchone()[0]
    return counts


def make_command(target: str, **variables) -> str:
    """The manage.py line `make <target>` runs (read with `make -n`), with our Python."""
    dry = subprocess.run(
        ["make", "-n", target, f"PY={sys.executable}", *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    lines = [line for line in dry.splitlines() if "manage.py" in line]
    assert len(lines) == 1, dry
    return lines[0]
