"""Error emails to the admins, at most one per kind of error in a window.

A database outage of a few seconds makes every request fail the same way; Django's
AdminEmailHandler would send one email per request (hundreds). Here the first error of a
kind is sent and the rest within ``ADMIN_ERROR_MAIL_WINDOW`` seconds are only logged. The
kind is the exception's type and the line that raised it, or, for an error response
without an exception (a 503), the logger, the message and the status code.
"""

from __future__ import annotations

import hashlib
import logging
import traceback

from django.conf import settings
from django.core.cache import cache
from django.utils.log import AdminEmailHandler


def error_kind(record: logging.LogRecord) -> str:
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        return f"{type(error).__module__}.{type(error).__qualname__}@{where}"
    status = getattr(record, "status_code", "")
    return f"{record.name}:{record.levelno}:{record.msg}:{status}"


class ThrottledAdminEmailHandler(AdminEmailHandler):
    def emit(self, record):
        digest = hashlib.sha256(error_kind(record).encode()).hexdigest()[:32]
        try:
            first = cache.add(f"admin-error-mail:{digest}", 1, settings.ADMIN_ERROR_MAIL_WINDOW)
        except Exception:  # a cache that is down must not hide the error
            first = True
        if first:
            super().emit(record)
