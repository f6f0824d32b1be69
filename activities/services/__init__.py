"""Writes for activities, by sub-domain. ``from activities import services`` reaches them all.

* :mod:`.signups`: signing up, cancelling, the waiting list and offers;
* :mod:`.lifecycle`: saving, publishing, cancelling, completing and copying activities;
* :mod:`.attendance`: check-in and the attendance sheet;
* :mod:`.hours`: service hours and their corrections;
* :mod:`.records`: certificates, calendar addresses, reminders.

Reads (waiting positions, default hours, check-in windows...) are in ``activities.selectors``.
"""

from activities.services.attendance import AttendanceRow, attendance_save, checkin_with_token
from activities.services.base import BatchResult, LeftOut
from activities.services.hours import (
    correction_decide,
    correction_request,
    hours_approve,
    hours_correct,
    hours_propose,
    hours_propose_attended,
)
from activities.services.lifecycle import (
    activity_add_photos,
    activity_cancel,
    activity_complete,
    activity_copy,
    activity_publish,
    activity_save,
)
from activities.services.records import calendar_feed_regenerate, certificate_issue, send_reminders
from activities.services.signups import (
    member_for,
    offer_accept,
    offers_expire,
    participant_add,
    participant_remove,
    signup_cancel,
    signup_create,
    waitlist_invite,
    waitlist_promote,
)

__all__ = [
    "AttendanceRow", "BatchResult", "LeftOut", "activity_add_photos", "activity_cancel",
    "activity_complete", "activity_copy", "activity_publish", "activity_save",
    "attendance_save", "calendar_feed_regenerate", "certificate_issue", "checkin_with_token",
    "correction_decide", "correction_request", "hours_approve", "hours_correct",
    "hours_propose", "hours_propose_attended", "member_for", "offer_accept", "offers_expire",
    "participant_add", "participant_remove", "send_reminders", "signup_cancel",
    "signup_create", "waitlist_invite", "waitlist_promote",
]  # fmt: skip
