"""What every activities service shares: locks taken in one order, and place counting.

Locks are always taken in one order: the activity first (every write that counts places
or touches its sign-ups holds it), then sign-ups, then the member (for the overlap rule,
which spans activities), then hours. Capacity is guarded the way pretix guards
quotas: lock the activity row, then count, then insert or promote, in one transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import ngettext

from activities.models import Activity, SignUp
from members.models import Member


def lock_activity(activity: Activity) -> Activity:
    return (
        Activity.objects.select_related("group").select_for_update(of=("self",)).get(pk=activity.pk)
    )


def lock_member(member: Member) -> None:
    """Serialise one volunteer's sign-ups across activities (for the overlap rule)."""
    Member.objects.select_for_update().filter(pk=member.pk).first()


def holds_place(now: datetime.datetime) -> Q:
    """Confirmed, or offered and not yet lapsed: a lapsed offer counts as free at once."""
    return Q(status=SignUp.Status.CONFIRMED) | Q(
        status=SignUp.Status.OFFERED, offer_expires_at__gt=now
    )


def taken(activity: Activity, now: datetime.datetime) -> int:
    return SignUp.objects.filter(holds_place(now), activity=activity).count()


def places_left(activity: Activity, now: datetime.datetime) -> int | None:
    if activity.capacity is None:
        return None
    return max(activity.capacity - taken(activity, now), 0)


class LeftOut:
    """Why a bulk service left a row out."""

    OWN_HOURS = "own_hours"
    TOO_LONG = "too_long"

    MESSAGES = {
        OWN_HOURS: lambda n: (
            ngettext(
                "%(n)s row was left out: nobody records or approves their own hours; another "
                "coordinator or an administrator will.",
                "%(n)s rows were left out: nobody records or approves their own hours; another "
                "coordinator or an administrator will.",
                n,
            )
            % {"n": n}
        ),
        TOO_LONG: lambda n: (
            ngettext(
                "%(n)s row was left out: the activity is longer than 240 hours; set the hours "
                "by hand.",
                "%(n)s rows were left out: the activity is longer than 240 hours; set the hours "
                "by hand.",
                n,
            )
            % {"n": n}
        ),
    }


@dataclass
class BatchResult:
    """What a bulk service did: how many rows, and how many it left out and why."""

    done: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    def leave_out(self, reason: str) -> None:
        self.left_out[reason] = self.left_out.get(reason, 0) + 1

    @property
    def left_out_total(self) -> int:
        return sum(self.left_out.values())

    def messages(self) -> list[str]:
        return [LeftOut.MESSAGES[reason](n) for reason, n in sorted(self.left_out.items())]
