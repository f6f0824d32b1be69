"""The hostile-input sweep's values and its driver (issue 9, finding 15).

A form is swept by submitting a valid baseline with one field at a time replaced by a
hostile value (or left out, or sent twice). Every submission must answer below 500, echo
no live markup, and leave the database as it was whenever it was refused (a field error
re-rendered, or a redirect with an error message). The failures of a whole form are
collected and reported together: field, value, what happened.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.messages.constants import ERROR
from django.db import connection, transaction

MISSING = object()  # the field is left out of the submission

MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}{% debug %}"
FORMULA = '=HYPERLINK("http://x")'
LONG = "x" * 10_000
# A formula, right-to-left override, emoji (one joined), GB18030 outside the BMP, template
# syntax: all harmless text, to be stored and shown as typed.
ODD = f"{FORMULA}\u202e志愿😀👨‍👩‍👧𠀀𪚥{TEMPLATE}"

# Refused in every text field: NUL (PostgreSQL refuses it in text) and the other control
# characters but tab and line breaks (one escape stands for them all here; the rule's own
# test goes through every kind).
CONTROL = ["a\x00b", "a\x1b[31mb"]
# Refused in a single-line field, kept in a multi-line one.
LINE_BREAKS = ["a\r\nX-Injected: 1"]

# Each kind's first value is tried in every field even when the others take turns (the
# one most likely to overflow a column).
TEXT = [LONG, *CONTROL, *LINE_BREAKS, ODD, MARKUP, "   "]
NUMBER = ["9" * 30, "-1", str(10**12), "1e309", "NaN", "abc"]
DATE = ["0001-01-01", "9999-12-31", "2026-02-30", "abc"]
DATETIME = ["0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T10:00", "abc"]
CHOICE = ["9" * 30, MARKUP]
BOOLEAN = ["abc"]
SECRET = [LONG, "a\x00b", MARKUP]  # passwords, tokens


@dataclasses.dataclass
class Form:
    """One form of the portal, as the sweep drives it.

    ``fields`` maps a field to the hostile values to try in it; ``baseline(i)`` gives the
    valid data of the i-th submission (a fresh phone for a form that creates someone);
    ``url`` is an address or ``url(i)``; ``before(i)`` puts back what an accepted
    submission used up (an open request, a logged-out visitor). ``refuse`` lists values
    that a field must not accept (control characters in text).

    ``rotate``: instead of every value in every field, each field gets the first value of
    its kind, and the other values are tried once each, the fields of a kind taking turns;
    one field is left out and one sent twice (for a form of many fields, or one swept
    elsewhere already).
    """

    name: str
    url: str | Callable[[int], str]
    baseline: Callable[[int], dict] | dict
    fields: dict[str, list]
    method: str = "post"
    refuse: dict[str, list] = dataclasses.field(default_factory=dict)
    before: Callable[[int], None] | None = None
    rotate: bool = False

    def data(self, i: int) -> dict:
        base = self.baseline(i) if callable(self.baseline) else self.baseline
        return dict(base)

    def address(self, i: int) -> str:
        return self.url(i) if callable(self.url) else self.url

    def cases(self):
        """(field, value) pairs to submit; ``TWICE`` marks a field sent twice."""
        if not self.rotate:
            for field, values in self.fields.items():
                for value in [*values, MISSING]:
                    yield field, value
                if MARKUP in values:
                    yield field, TWICE
            return
        kinds: dict[int, tuple[list, list]] = {}
        for field, values in self.fields.items():
            yield field, values[0]
            kinds.setdefault(id(values), (values, []))[1].append(field)
        for values, names in kinds.values():
            for n, value in enumerate(values[1:]):
                yield names[n % len(names)], value
        yield next(iter(self.fields)), MISSING
        text = next((f for f, values in self.fields.items() if MARKUP in values), None)
        if text:
            yield text, TWICE


TWICE = object()  # the field sent twice: the baseline's value, then a hostile one


def db_state() -> tuple:
    """What a refused submission must leave unchanged: the row count of every table of
    the portal's apps, history tables included (an update writes a history row), and the
    outbox (no email about what was not saved). One query."""
    models = [
        model
        for label in ("members", "groups", "activities", "volunteer_portal")
        for model in apps.get_app_config(label).get_models()
    ]
    quote = connection.ops.quote_name
    tables = [quote(m._meta.db_table) for m in models]  # the models' names, nothing typed
    counts = ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    return tuple(zip((m._meta.label for m in models), row, strict=True))


def _error_messages(response) -> list[str]:
    """The error messages this response added (earlier ones were dropped before it)."""
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= ERROR]


def _refused(response) -> bool:
    if response.status_code in (301, 302, 303):
        return bool(_error_messages(response))
    return True


def _live_markup(response) -> str | None:
    if "html" not in response.get("Content-Type", ""):
        return None
    body = response.content.decode(errors="replace")
    for raw in ("<script>alert(1)", "<img src=x"):
        if raw in body:
            return raw
    return None


def submit(client, method: str, url: str, data, label: str) -> tuple[str | None, bool]:
    """One submission: a description of what went wrong (or None), and whether it was
    refused (any answer but a redirect without an error message)."""
    client.cookies.pop("messages", None)  # messages of earlier submissions, never shown
    before = db_state()
    try:
        with transaction.atomic():  # a failing view must not break the test's transaction
            response = getattr(client, method)(url, data)
    except Exception as error:  # noqa: BLE001 - the sweep reports every crash, then fails
        return f"{label}: raised {type(error).__name__}: {str(error)[:200]}", True
    status, refused = response.status_code, _refused(response)
    if status >= 500:
        return f"{label}: answered {status}", refused
    markup = _live_markup(response)
    if markup:
        return f"{label}: echoed {markup!r} unescaped (status {status})", refused
    after = db_state()
    if refused and after != before:
        changed = [a for a, b in zip(before, after, strict=True) if a != b]
        return f"{label}: refused ({status}) but the database changed: {changed}", refused
    return None, refused


def sweep(client, form: Form) -> list[str]:
    """The form's cases, one at a time; the list of failures."""
    failures = []
    for i, (field, value) in enumerate(form.cases()):
        if form.before:
            form.before(i)
        data = form.data(i)
        if value is MISSING:
            data.pop(field, None)
        elif value is TWICE:
            first = data.get(field, "")
            data[field] = [*(first if isinstance(first, list) else [first]), MARKUP]
        else:
            data[field] = value
        label = f"{form.name} {field}={_show(value)}"
        failure, refused = submit(client, form.method, form.address(i), data, label)
        if failure is None and not refused and value in form.refuse.get(field, ()):
            failure = f"{label}: accepted; it must be refused"
        if failure:
            failures.append(failure)
    return failures


def _show(value) -> str:
    if value is MISSING:
        return "<missing>"
    if value is TWICE:
        return "<twice>"
    text = repr(value)
    return text if len(text) < 40 else f"{text[:30]}…({len(str(value))} chars)"


def assert_no_failures(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} hostile submissions failed:\n" + "\n".join(failures)
