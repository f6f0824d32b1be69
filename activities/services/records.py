"""The volunteer's records: certificates, the personal calendar address, reminders."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    Activity,
    CalendarFeed,
    Certificate,
    ServiceHours,
    SignUp,
    new_certificate_code,
    new_feed_token,
)
from activities.selectors import approved_hours
from activities.services.base import lock_member
from groups.models import Organisation
from members.models import Member
from members.services import member_email
from volunteer_portal.permissions import require_self


def _fingerprint(entries: list[ServiceHours], facts: dict) -> str:
    """What a certificate stands on: the approved entries behind it (ids and hours: a
    correction is a new entry) and everything it states. Equal: nothing has changed."""
    record = {
        "entries": sorted([e.pk, str(e.hours)] for e in entries),
        **facts,
    }
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def certificate_issue(*, actor, member: Member) -> Certificate:
    """The volunteer's service record as it stands now, frozen, with a verification code.

    While the record is unchanged the current certificate is given again (one code per
    record, however often the button is pressed). Once it changes, a new certificate is
    issued and the previous one is marked superseded: it still verifies, saying so.
    """
    require_self(actor, member)
    lock_member(member)  # one issuer at a time: one current certificate per member
    entries = list(
        approved_hours(member)
        .select_related("signup__activity__group")
        .order_by("signup__activity__starts_at", "pk")
    )
    organisation = Organisation.objects.filter(pk=1).first()
    facts = {
        "member_name": member.full_name,
        "masked_national_id": member.masked_national_id,
        "total_hours": sum((e.hours for e in entries), Decimal("0")),
        "activities": [
            {
                "title": e.signup.activity.title,
                "group": e.signup.activity.group.name_zh,
                "date": timezone.localtime(e.signup.activity.starts_at).date().isoformat(),
                "hours": str(e.hours),
            }
            for e in entries
        ],
        "issuer": organisation.name_zh if organisation else "",
    }
    if not entries:
        raise ValidationError(
            _("A certificate can be issued once you have approved service hours."),
            code="no_hours",
        )
    fingerprint = _fingerprint(entries, facts)
    current = Certificate.objects.filter(member=member, superseded_at__isnull=True).first()
    if current is not None and current.fingerprint == fingerprint:
        return current
    now = timezone.now()
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    return Certificate.objects.create(
        code=new_certificate_code(),
        member=member,
        fingerprint=fingerprint,
        supersedes=current,
        issued_at=now,
        **facts,
    )


@transaction.atomic
def calendar_feed_regenerate(*, actor, member: Member, confirmed: bool = False) -> CalendarFeed:
    """The personal calendar address: made the first time; replaced (the old address stops
    working, so subscribed calendars stop updating) only when the volunteer confirmed it."""
    require_self(actor, member)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(member=member)
    if created:
        return feed
    if not confirmed:
        raise ValidationError(
            _(
                "You already have a calendar address. Confirm that you want a new one: "
                "calendars subscribed to the old address stop updating."
            ),
            code="confirm",
        )
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed


def send_reminders(*, now: datetime.datetime | None = None) -> int:
    """Email confirmed volunteers about activities in the next 24 hours, once each."""
    now = now or timezone.now()
    due = SignUp.objects.filter(
        status=SignUp.Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        activity__status=Activity.Status.PUBLISHED,
        activity__starts_at__gt=now,
        activity__starts_at__lte=now + datetime.timedelta(hours=24),
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            # Claim the row first: a second run (or a parallel cron) skips it.
            claimed = SignUp.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if claimed:
                signup = SignUp.objects.select_related("member__user", "activity").get(pk=pk)
                member_email(
                    signup.member, "reminder", {"signup": signup, "activity": signup.activity}
                )
                sent += 1
    return sent
