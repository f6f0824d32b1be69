"""Uploaded roster files waiting between the preview and the confirmation.

They sit in ``IMPORT_SPOOL_DIR`` (private, not under MEDIA_ROOT), or with object storage
(``S3_BUCKET``) in the private bucket's ``import-spool/`` folder, which every app server
sees; each is named by a random token. A preview that is never confirmed leaves its file
behind, so files older than ``IMPORT_SPOOL_MAX_AGE_HOURS`` are removed on every new
preview and by ``manage.py expire_imports`` (the periodic jobs); a confirmation after that
finds nothing and says the import has expired. Django admin's member import waits in the
same place (``SpoolStorage``).
"""

from __future__ import annotations

import os
import posixpath
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage
from import_export.tmp_storages import BaseStorage

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def spool_dir() -> Path:
    """The spool folder on this server's disk (Django admin's imports always wait here)."""
    path = Path(settings.IMPORT_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def spool_storage() -> Storage:
    """Where the roster page's uploads wait: with object storage (``S3_BUCKET``), a folder
    of the private bucket, so that a preview on one app server is confirmed on another;
    else the spool folder on this server's disk."""
    if settings.S3_BUCKET:
        from storages.backends.s3 import S3Storage

        options = dict(settings.STORAGES["default"]["OPTIONS"])
        options["location"] = posixpath.join(options.get("location") or "", "import-spool")
        return S3Storage(**options)
    return FileSystemStorage(
        location=spool_dir(), file_permissions_mode=0o600, directory_permissions_mode=0o700
    )


def _missing() -> tuple[type[Exception], ...]:
    """What reading a file that is not (or no longer) there raises, on either storage."""
    if settings.S3_BUCKET:
        from botocore.exceptions import ClientError

        return (FileNotFoundError, ClientError)
    return (FileNotFoundError,)


def max_age_seconds() -> float:
    return settings.IMPORT_SPOOL_MAX_AGE_HOURS * 3600


def _age_seconds(storage: Storage, name: str) -> float:
    return time.time() - storage.get_modified_time(name).timestamp()


def spool_save(content: bytes) -> str:
    """Keep an upload for its confirmation; returns the token naming it. Sweeps out
    expired files first (one listing: cheap)."""
    spool_expire()
    token = secrets.token_urlsafe(16)
    saved = spool_storage().save(token, ContentFile(content))
    if saved != token:  # a storage that renamed it could not find it again
        raise RuntimeError(f"the spool stored {token!r} as {saved!r}")
    return token


def spool_save_file(file) -> str:
    """Keep a file written by the portal (a background export) for its download; returns
    its token. It lapses as the uploads do."""
    token = secrets.token_urlsafe(16)
    saved = spool_storage().save(token, File(file, name=token))
    if saved != token:
        raise RuntimeError(f"the spool stored {token!r} as {saved!r}")
    return token


def spool_size(token: str) -> int | None:
    """The spooled file's size in bytes, or None when it is not there (or expired)."""
    if not spool_exists(token):
        return None
    try:
        return spool_storage().size(token)
    except _missing():
        return None


def spool_exists(token: str) -> bool:
    """Whether the token names a spooled file that is there and not expired (an expired
    one is removed now)."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return False
    storage = spool_storage()
    try:
        if _age_seconds(storage, token) <= max_age_seconds():
            return True
    except _missing():
        return False
    storage.delete(token)
    return False


def spool_read(token: str) -> bytes | None:
    """The spooled file of a token, or None if the token is not well formed or the file is
    not there or expired."""
    if not spool_exists(token):
        return None
    try:
        with spool_storage().open(token, "rb") as file:
            return file.read()
    except _missing():  # swept away in between
        return None


def spool_remove(token: str) -> None:
    if isinstance(token, str) and TOKEN.fullmatch(token):
        spool_storage().delete(token)


def spool_expire() -> int:
    """Remove spooled files older than the maximum age; returns how many. On the local
    disk, Django admin's waiting imports (``admin-…``) are swept as well."""
    storage = spool_storage()
    removed = 0
    for name in storage.listdir("")[1]:
        try:
            if _age_seconds(storage, name) > max_age_seconds():
                storage.delete(name)
                removed += 1
        except _missing():  # removed by a concurrent sweep
            continue
    if settings.S3_BUCKET:  # what Django admin's import left on this disk before it moved
        removed += _expire_folder(spool_dir())
    return removed


def _expire_folder(folder: Path) -> int:
    cutoff = time.time() - max_age_seconds()
    removed = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # removed by a concurrent sweep
                continue
    return removed


class SpoolStorage(BaseStorage):
    """Django admin's member import waits in the spool too (``spool_storage()``: the
    bucket's ``import-spool/`` folder with object storage, else the spool folder), so a
    preview one app server showed is confirmed on another, and one never confirmed is
    swept away like the roster page's. Read back as bytes: the admin's formats
    (``members.spreadsheets``) decode a CSV themselves, as the roster page does."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.read_mode = "rb"

    def save(self, data):
        if not self.name:
            spool_expire()
            self.name = "admin-" + secrets.token_urlsafe(16)
        content = data.encode(self.encoding or "utf-8") if isinstance(data, str) else data
        saved = spool_storage().save(self.name, ContentFile(content))
        if saved != self.name:  # a storage that renamed it could not find it again
            raise RuntimeError(f"the spool stored {self.name!r} as {saved!r}")

    def read(self):
        """The file; ``FileNotFoundError`` once it is gone (expired, or swept)."""
        if not spool_exists(self.name):
            raise FileNotFoundError(self.name)
        try:
            with spool_storage().open(self.name, "rb") as file:
                return file.read()
        except _missing():
            raise FileNotFoundError(self.name) from None

    def remove(self):
        if isinstance(self.name, str) and TOKEN.fullmatch(self.name):
            spool_storage().delete(self.name)
