"""Backups: the database and the uploaded files, together in one dated folder.

PostgreSQL is dumped with ``pg_dump --format=custom`` and restored with ``pg_restore`` into
a new, empty database; an SQLite trial database is copied with SQLite's backup API.
``MEDIA_ROOT`` goes into a tar archive next to it. ``manage.py backup`` and
``manage.py restore`` (``make backup`` / ``make restore``) call these.
"""

from __future__ import annotations

import datetime
import glob
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

DATABASE_DUMP = "database.dump"  # pg_dump --format=custom
DATABASE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def pg_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: the one on PATH, else the newest installed server's
    (Debian puts them in /usr/lib/postgresql/<version>/bin)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found: install the PostgreSQL client (postgresql-client).")


def _pg_environment(settings_dict: dict) -> dict[str, str]:
    """libpq's variables for the configured database, so no password is on a command line."""
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    if settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = settings_dict["OPTIONS"]["sslmode"]
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {result.returncode}):\n{result.stderr.strip()}"
        )


def backup_create(
    *, directory: Path, database: str = "default", now: datetime.datetime | None = None
) -> Path:
    """Write ``<directory>/portal-<date>T<time>/`` with the database and the media archive,
    readable by the owner only (it holds personal data). Returns the folder."""
    now = timezone.localtime(now or timezone.now())
    folder = Path(directory) / f"portal-{now:%Y-%m-%dT%H%M%S}"
    Path(directory).mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        raise BackupError(f"{folder} already exists; wait a second and try again.") from None
    connection = connections[database]
    if connection.vendor == "postgresql":
        _run(
            [
                pg_program("pg_dump"),
                "--format=custom",
                "--no-password",
                f"--file={folder / DATABASE_DUMP}",
            ],
            _pg_environment(connection.settings_dict),
        )
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(connection.settings_dict["NAME"])
        target = sqlite3.connect(folder / DATABASE_COPY)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA_ARCHIVE, "w:gz") as archive:
        if media_root.is_dir():
            for child in sorted(media_root.iterdir()):
                archive.add(child, arcname=child.name)
    return folder


def _require_empty(database: str) -> None:
    connection = connections[database]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    connection.close()
    if tables:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} already holds {len(tables)} "
            "tables. Restore into a new, empty database (for example `createdb "
            "volunteer_portal_restored`), point DATABASE_URL at it, and run the restore again."
        )


def backup_restore(*, folder: Path, database: str = "default") -> None:
    """Load a folder written by ``backup_create`` into the configured database, which must
    be new and empty, and unpack the uploaded files into ``MEDIA_ROOT``."""
    folder = Path(folder)
    if not (folder / MEDIA_ARCHIVE).is_file():
        raise BackupError(f"{folder} is not a backup folder (no {MEDIA_ARCHIVE} in it).")
    connection = connections[database]
    if connection.vendor == "postgresql":
        if not (folder / DATABASE_DUMP).is_file():
            raise BackupError(f"{folder} holds no PostgreSQL dump ({DATABASE_DUMP}).")
        _require_empty(database)
        # Into an empty database, so no --clean (its DROPs fail there, and pg_restore then
        # exits 1); objects belong to whoever restores; all or nothing.
        _run(
            [
                pg_program("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={connection.settings_dict['NAME']}",
                str(folder / DATABASE_DUMP),
            ],
            _pg_environment(connection.settings_dict),
        )
    elif connection.vendor == "sqlite":
        if not (folder / DATABASE_COPY).is_file():
            raise BackupError(f"{folder} holds no SQLite copy ({DATABASE_COPY}).")
        target = Path(connection.settings_dict["NAME"])
        if target.exists() and target.stat().st_size:
            _require_empty(database)
        connection.close()
        shutil.copyfile(folder / DATABASE_COPY, target)
    else:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / MEDIA_ARCHIVE, "r:gz") as archive:
        archive.extractall(media_root, filter="data")
