"""iCalendar feeds (the icalendar library): one per group, one per volunteer."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event

from activities.models import Activity, SignUp

FEED_DAYS_BACK = 90


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//volunteer-portal//Zhangzhou//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(activity: Activity) -> Event:
    event = Event()
    event.add("uid", f"activity-{activity.pk}@volunteer-portal")
    event.add("summary", activity.title)
    event.add("dtstart", activity.starts_at)
    event.add("dtend", activity.ends_at)
    event.add("dtstamp", activity.updated_at)
    if activity.location:
        event.add("location", activity.location)
    if activity.description:
        event.add("description", activity.description)
    event.add(
        "status", "CANCELLED" if activity.status == Activity.Status.CANCELLED else "CONFIRMED"
    )
    return event


def _recent(queryset):
    since = timezone.now() - datetime.timedelta(days=FEED_DAYS_BACK)
    return queryset.filter(ends_at__gte=since).order_by("starts_at")


def group_calendar(group) -> Calendar:
    calendar = _calendar(group.name_zh)
    # The public's feed: never an invitation-only activity (a requester's address).
    activities = _recent(
        Activity.objects.filter(group=group)
        .exclude(status=Activity.Status.DRAFT)
        .exclude(eligibility=Activity.Eligibility.INVITED)
    )
    for activity in activities:
        calendar.add_component(_event(activity))
    return calendar


def personal_calendar(member) -> Calendar:
    calendar = _calendar(member.full_name)
    activities = _recent(
        Activity.objects.filter(
            signups__member=member, signups__status=SignUp.Status.CONFIRMED
        ).exclude(status=Activity.Status.DRAFT)
    )
    for activity in activities:
        calendar.add_component(_event(activity))
    return calendar


def ics_response(calendar: Calendar, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = f"private, max-age={60 if settings.DEBUG else 600}"
    return response
