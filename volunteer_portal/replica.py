"""Reads that may come from a read replica: the reports and the roster's exports.

With ``DATABASE_REPLICA_URL`` set (``settings.READ_REPLICA`` is then its alias), the
queries made inside ``replica_reads()``, or by a view wrapped in ``reads_from_replica``,
go to the replica; everything else, and every write, goes to the primary
(``DATABASE_URL``). Such reads may be a few seconds behind the primary, which a report
of a year or a file of the roster can afford, and a page that shows what was just saved
cannot: so only these opt in, and the permission checks before them read the primary.
Without a replica nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.template.response import SimpleTemplateResponse

_reading = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads():
    """Inside: reads go to the replica, when there is one."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _each_in_replica(iterator) -> Iterator:
    """A streamed response's chunks, each made inside ``replica_reads()``: they are made
    after the view has returned, as the server sends them."""
    iterator = iter(iterator)
    while True:
        with replica_reads():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def reads_from_replica(view: Callable) -> Callable:
    """The view reads from the replica: its queries, its template's (rendered here), and
    a streamed file's, as it is sent. Put it inside the permission check."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        with replica_reads():
            response = view(*args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        if response.streaming:
            response.streaming_content = _each_in_replica(response.streaming_content)
        return response

    return wrapper


class ReplicaRouter:
    """``settings.DATABASE_ROUTERS``: the replica for reads that asked for it, the primary
    for everything else. Writes always go to the primary, also of an object read from the
    replica (Django would otherwise write it back where it came from)."""

    def db_for_read(self, model, **hints):
        if settings.READ_REPLICA and _reading.get():
            return settings.READ_REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows, wherever they were read

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica follows the primary by itself
