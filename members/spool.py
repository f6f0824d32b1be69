"""Uploaded roster files waiting between the preview and the confirmation.

They sit in ``IMPORT_SPOOL_DIR`` (private, not under MEDIA_ROOT), named by a random
token. A preview that is never confirmed leaves its file behind, so files older than
``IMPORT_SPOOL_MAX_AGE_HOURS`` are removed on every new preview and by ``manage.py
expire_imports`` (cron); a confirmation after that finds nothing and says the import
has expired. Django admin's member import spools into the same folder
(``SpoolFolderStorage``).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from import_export.tmp_storages import TempFolderStorage

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def spool_dir() -> Path:
    path = Path(settings.IMPORT_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def max_age_seconds() -> float:
    return settings.IMPORT_SPOOL_MAX_AGE_HOURS * 3600


def spool_save(content: bytes) -> str:
    """Keep an upload for its confirmation; returns the token naming it. Sweeps out
    expired files first (one directory listing: cheap)."""
    spool_expire()
    token = secrets.token_urlsafe(16)
    path = spool_dir() / token
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(content)
    return token


def _fresh(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime <= max_age_seconds()
    except FileNotFoundError:
        return False


def spool_path(token: str) -> Path | None:
    """The spooled file of a token, if the token is well formed and the file is there and
    not expired (an expired one is removed now)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    path = spool_dir() / token
    if _fresh(path):
        return path
    path.unlink(missing_ok=True)
    return None


def spool_read(token: str) -> bytes | None:
    path = spool_path(token)
    if path is None:
        return None
    try:
        return path.read_bytes()
    except FileNotFoundError:  # swept away in between
        return None


def spool_remove(token: str) -> None:
    if isinstance(token, str) and TOKEN.fullmatch(token):
        (spool_dir() / token).unlink(missing_ok=True)


def spool_expire() -> int:
    """Remove spooled files older than the maximum age; returns how many."""
    cutoff = time.time() - max_age_seconds()
    removed = 0
    with os.scandir(spool_dir()) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # removed by a concurrent sweep
                continue
    return removed


class SpoolFolderStorage(TempFolderStorage):
    """Django admin's import keeps its upload in the spool folder too, so an import
    previewed there and never confirmed is swept away like the portal's."""

    def get_full_path(self):
        return os.path.join(spool_dir(), os.path.basename(self.name))

    def _open(self, mode="r"):
        if not self.name:
            spool_expire()
            tmp_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the caller closes it
                delete=False, dir=spool_dir(), prefix="admin-"
            )
            self.name = os.path.basename(tmp_file.name)
            return tmp_file
        return open(self.get_full_path(), mode, encoding=self.encoding)
