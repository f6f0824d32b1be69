"""The volunteer's records: certificates, the personal calendar address, reminders."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from activities.models import (
    Activity,
    CalendarFeed,
    Certificate,
    SignUp,
    new_certificate_code,
    new_feed_token,
)
from activities.selectors import approved_hours
from groups.models import Organisation
from members.models import Member
from members.services import member_email
from volunteer_portal.permissions import require_self


@transaction.atomic
def certificate_issue(*, actor, member: Member) -> Certificate:
    """The volunteer's service record as it stands now, frozen, with a verification code."""
    require_self(actor, member)
    entries = (
        approved_hours(member)
        .select_related("signup__activity__group")
        .order_by("signup__activity__starts_at")
    )
    activities = [
        {
            "title": e.signup.activity.title,
            "group": e.signup.activity.group.name_zh,
            "date": timezone.localtime(e.signup.activity.starts_at).date().isoformat(),
            "hours": str(e.hours),
        }
        for e in entries
    ]
    total = entries.aggregate(total=Sum("hours"))["total"] or Decimal("0")
    organisation = Organisation.objects.filter(pk=1).first()
    return Certificate.objects.create(
        code=new_certificate_code(),
        member=member,
        member_name=member.full_name,
        masked_national_id=member.masked_national_id,
        total_hours=total,
        activities=activities,
        issuer=organisation.name_zh if organisation else "",
    )


@transaction.atomic
def calendar_feed_regenerate(*, actor, member: Member) -> CalendarFeed:
    require_self(actor, member)
    feed, created = CalendarFeed.objects.get_or_create(member=member)
    if not created:
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
                signup = SignUp.objects.select_related("member", "activity").get(pk=pk)
                member_email(
                    signup.member, "reminder", {"signup": signup, "activity": signup.activity}
                )
                sent += 1
    return sent
