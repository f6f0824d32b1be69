"""Who came: check-in by QR code, and the coordinator's attendance sheet."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, SignUp, SignUpEvent
from activities.permissions import activity_policy
from activities.selectors import activity_for_token, checkin_window
from activities.services.hours import _require_recordable
from activities.services.signups import member_for
from volunteer_portal.audit import audited_save, bulk_update_audited


@transaction.atomic
def checkin_with_token(*, actor, token: str, now: datetime.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    activity = activity_for_token(token, now=now)
    opens, closes = checkin_window(activity)
    if activity.status != Activity.Status.PUBLISHED or not (opens <= now <= closes):
        raise ValidationError(
            _("Check-in for this activity is not open now."), code="outside_window"
        )
    member = member_for(actor)
    signup = (
        SignUp.objects.select_for_update()
        .filter(activity=activity, member=member, status=SignUp.Status.CONFIRMED)
        .first()
    )
    if signup is None:
        raise ValidationError(
            _("You are not confirmed for this activity; please see the coordinator."),
            code="not_signed_up",
        )
    if signup.checked_in_at is None:
        signup.checked_in_at, signup.attended = now, True
        audited_save(signup, actor=actor, event=SignUpEvent.CHECKED_IN)
    return signup


@dataclass(frozen=True)
class AttendanceRow:
    signup_id: int
    attended: bool | None
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None


ATTENDANCE_FIELDS = ["attended", "checked_in_at", "checked_out_at"]


@transaction.atomic
def attendance_save(*, actor, activity: Activity, rows: list[AttendanceRow]) -> int:
    """The attendance sheet: every changed row, all or nothing.

    Rows are scoped here to the activity's confirmed participants. Four queries whatever
    the number of rows: lock the sign-ups, update them, write their history.
    """
    activity_policy.require(actor, "manage", activity)
    _require_recordable(activity)
    if not rows:
        return 0
    signups = {
        signup.pk: signup
        for signup in SignUp.objects.select_for_update(of=("self",))
        .filter(
            activity=activity,
            status=SignUp.Status.CONFIRMED,
            pk__in=[row.signup_id for row in rows],
        )
        .select_related("member")
    }
    changed = []
    for row in rows:
        signup = signups.get(row.signup_id)
        if signup is None:
            raise ValidationError(
                _("Someone on the sheet is no longer confirmed; reload the page."),
                code="not_confirmed",
            )
        if row.checked_out_at and (
            not row.checked_in_at or row.checked_out_at <= row.checked_in_at
        ):
            raise ValidationError(
                _("%(name)s: check-out must be after check-in.")
                % {"name": signup.member.full_name},
                code="checkout_before_checkin",
            )
        signup.attended = row.attended
        signup.checked_in_at, signup.checked_out_at = row.checked_in_at, row.checked_out_at
        changed.append(signup)
    bulk_update_audited(changed, ATTENDANCE_FIELDS, actor=actor, event=SignUpEvent.ATTENDANCE)
    return len(changed)
