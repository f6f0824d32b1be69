"""The hours waiting for approval in a group, as the coordinator's dashboard lists them,
kept per group in the shared cache until the group's hours change."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from activities.models import ServiceHours, SignUp


def _hours_waiting_key(group_id: int) -> str:
    return f"hours-waiting:{group_id}"


def hours_waiting_of(group) -> list[dict]:
    """``_hours_waiting``, kept per group in the shared cache for ``QUERY_CACHE_SECONDS``
    (the dashboard's costliest part: hours entries know their group only through the
    activity, so a province's waiting hours are read to find one group's). Every service
    that writes hours forgets the group's (``forget_hours_waiting``); a change made around
    them (Django admin) shows when the time is up."""
    if settings.QUERY_CACHE_SECONDS <= 0:
        return _hours_waiting(group)
    key = _hours_waiting_key(group.pk)
    found = cache.get(key)
    if found is None:
        found = _hours_waiting(group)
        cache.set(key, found, settings.QUERY_CACHE_SECONDS)
    return found


def forget_hours_waiting(group_id: int) -> None:
    """The group's hours changed: now, and again after the commit (a dashboard shown in
    between read the hours from before it)."""
    key = _hours_waiting_key(group_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _hours_waiting(group) -> list[dict]:
    """Per activity of the group with hours waiting for approval, the longest waiting
    first: ``signup__activity``, ``signup__activity__title``, ``n``, ``total``.

    In two steps: the hours waiting everywhere (a few hundred rows, from their partial
    index), then their sign-ups by primary key. As one join, PostgreSQL read all of a year's
    sign-ups to hash them (11 ms at 52,000; this takes 2). All the activities' totals are
    returned (a row each), the dashboard shows the first few and says how many more."""
    waiting = dict(
        ServiceHours.objects.filter(status=ServiceHours.Status.PROPOSED, is_current=True)
        .order_by()
        .values_list("signup_id", "hours")
    )
    signups = (
        SignUp.objects.filter(pk__in=list(waiting), activity__group=group)
        .order_by("activity__starts_at", "activity_id")
        .values_list("pk", "activity_id", "activity__title")
    )
    by_activity: dict[int, dict] = {}
    for pk, activity_id, title in signups:
        row = by_activity.setdefault(
            activity_id,
            {"signup__activity": activity_id, "signup__activity__title": title, "n": 0,
             "total": Decimal("0")},
        )  # fmt: skip
        row["n"] += 1
        row["total"] += waiting[pk]
    return list(by_activity.values())
