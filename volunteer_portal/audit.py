"""The audit trail: every write records who made it and, as a named event, why.

One helper saves a row with its history (simple-history's ``_history_user`` and
``_change_reason``); two more do the same for sets of rows in two queries each. The reasons
are named constants (``SignUpEvent.PROMOTED``), declared by each app with :func:`events`,
so a trail can be filtered by event and shown in the reader's language.
"""

from __future__ import annotations

from django.db import models
from django.dispatch import Signal
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

# Sent after a bulk update (which sends no post_save), with sender=the model and
# ``objs``: what caches rows of that model listen to (``volunteer_portal.page_cache``).
bulk_updated = Signal()

_EVENT_LABELS: dict[tuple[str, str], object] = {}


def events(*model_labels: str):
    """Class decorator: register the history reasons of the named models (value → label).

    Keyed by model, so "approved" reads "hours approved" on hours and "approved" on a
    membership, and a trail can be filtered by (model, event)::

        @events("activities.SignUp")
        class SignUpEvent(models.TextChoices): ...
    """

    def register(choices: type[models.TextChoices]) -> type[models.TextChoices]:
        for label in model_labels:
            for value, text in choices.choices:
                _EVENT_LABELS[(label, value)] = text
        return choices

    return register


def event_label(model_label: str, reason: str) -> str:
    """The reader's-language label of a stored reason (old free-text reasons as they are)."""
    return str(_EVENT_LABELS.get((model_label, reason), reason))


def history_user(actor):
    """The account to record, or ``None`` for the system (commands, periodic jobs)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def audited_save(obj, *, actor, event: str | None = None, clean: bool = False, **save_kwargs):
    """Save one row with its history entry (``full_clean`` first when ``clean``)."""
    if clean:
        obj.full_clean()
    obj._history_user = history_user(actor)
    if event:
        obj._change_reason = str(event)
    obj.save(**save_kwargs)
    return obj


def bulk_create_audited(objs: list, *, actor, event: str) -> list:
    """Insert rows and their history entries: two queries whatever the number of rows."""
    if not objs:
        return []
    model = type(objs[0])
    return bulk_create_with_history(
        objs, model, default_user=history_user(actor), default_change_reason=str(event)
    )


def bulk_update_audited(objs: list, fields: list[str], *, actor, event: str) -> int:
    """Update rows and add their history entries: two queries whatever the number of rows."""
    if not objs:
        return 0
    model = type(objs[0])
    updated = bulk_update_with_history(
        objs,
        model,
        fields,
        default_user=history_user(actor),
        default_change_reason=str(event),
    )
    bulk_updated.send(sender=model, objs=objs)
    return updated
