"""The activities' sections of a member's own data download (PIPL access right): their
sign-ups with check-in and the hours recorded, and their requests to correct hours.

``members`` knows nothing of activities: these sections join its download through
``members.selectors.PERSONAL_DATA_SECTIONS``, registered at start-up
(``ActivitiesConfig.ready``). Two queries for the sign-ups and their hours, one for the
correction requests, however many rows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Prefetch

from activities.models import HoursCorrectionRequest, ServiceHours, SignUp
from members.models import Member
from members.selectors import PERSONAL_DATA_SECTIONS, PersonalDataSection, person_name


def _when(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _hours(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def service_record(member: Member) -> list[dict]:
    """Every sign-up of the member, oldest activity first: the activity, the sign-up's
    state and times, check-in and check-out, and the hours entries (approved or not,
    corrections included); ``approved_hours`` is what counts now."""
    signups = (
        SignUp.objects.filter(member=member)
        .select_related("activity__group")
        .prefetch_related(
            Prefetch(
                "hours",
                queryset=ServiceHours.objects.select_related(
                    "recorded_by__member", "approved_by__member"
                ).order_by("recorded_at", "pk"),
            )
        )
        .order_by("activity__starts_at", "pk")
    )
    record = []
    for signup in signups:
        activity = signup.activity
        entries = list(signup.hours.all())
        counted = next(
            (
                entry
                for entry in entries
                if entry.is_current and entry.status == ServiceHours.Status.APPROVED
            ),
            None,
        )
        record.append(
            {
                "activity": {
                    "title": activity.title,
                    "group": str(activity.group),
                    "starts_at": _when(activity.starts_at),
                    "ends_at": _when(activity.ends_at),
                    "location": activity.location,
                },
                "status": signup.status,
                "status_label": str(signup.get_status_display()),
                "signed_up_at": _when(signup.created_at),
                "offer_expires_at": _when(signup.offer_expires_at),
                "cancelled_at": _when(signup.cancelled_at),
                "reminder_sent_at": _when(signup.reminder_sent_at),
                "attended": signup.attended,
                "checked_in_at": _when(signup.checked_in_at),
                "checked_out_at": _when(signup.checked_out_at),
                "approved_hours": _hours(counted.hours if counted else None),
                "hours": [
                    {
                        "hours": _hours(entry.hours),
                        "status": entry.status,
                        "status_label": str(entry.get_status_display()),
                        "current": entry.is_current,
                        "note": entry.note,
                        "recorded_at": _when(entry.recorded_at),
                        "recorded_by": person_name(entry.recorded_by),
                        "approved_at": _when(entry.approved_at),
                        "approved_by": person_name(entry.approved_by)
                        if entry.approved_by_id
                        else None,
                    }
                    for entry in entries
                ],
            }
        )
    return record


def hours_correction_requests(member: Member) -> list[dict]:
    """The member's requests to correct their hours, oldest first, with the decision."""
    requests = (
        HoursCorrectionRequest.objects.filter(signup__member=member)
        .select_related("signup__activity", "decided_by__member")
        .order_by("created_at", "pk")
    )
    return [
        {
            "activity": request.signup.activity.title,
            "activity_starts_at": _when(request.signup.activity.starts_at),
            "requested_hours": _hours(request.requested_hours),
            "reason": request.reason,
            "requested_at": _when(request.created_at),
            "status": request.status,
            "status_label": str(request.get_status_display()),
            "decided_at": _when(request.decided_at),
            "decided_by": person_name(request.decided_by) if request.decided_by_id else None,
            "decision_reason": request.decision_reason,
        }
        for request in requests
    ]


SECTIONS = (
    PersonalDataSection("service_record", service_record, replaces=("activities.signup",)),
    PersonalDataSection("hours_correction_requests", hours_correction_requests),
)


def contribute_to_personal_data() -> None:
    """Add the activities' sections to the member's download (once, at start-up)."""
    for section in SECTIONS:
        if section not in PERSONAL_DATA_SECTIONS:
            PERSONAL_DATA_SECTIONS.append(section)
