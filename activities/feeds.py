"""iCalendar feeds (the icalendar library): one per group, one per volunteer.

A feed holds a window (90 days back, six months ahead), and answers a calendar app that
asks again with nothing changed with 304 Not Modified: its ETag is one small query (how
many activities, the latest change, the window's first day), the calendar is built only
when that differs, and once per version: the body is kept in the cache under the ETag."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max, Sum
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag
from icalendar import Calendar, Event

from activities.models import Activity, SignUp

FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 183
FEED_BODY_SECONDS = 3600  # a new version has a new ETag: this only frees the memory


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


def _window(queryset):
    now = timezone.now()
    return queryset.filter(
        ends_at__gte=now - datetime.timedelta(days=FEED_DAYS_BACK),
        starts_at__lt=now + datetime.timedelta(days=FEED_DAYS_AHEAD),
    ).order_by("starts_at")


def group_activities(group):
    # The public's feed: never an invitation-only activity (a requester's address).
    return _window(
        Activity.objects.filter(group=group)
        .exclude(status=Activity.Status.DRAFT)
        .exclude(eligibility=Activity.Eligibility.INVITED)
    )


def personal_activities(member):
    return _window(
        Activity.objects.filter(
            signups__member=member, signups__status=SignUp.Status.CONFIRMED
        ).exclude(status=Activity.Status.DRAFT)
    )


def calendar_of(name: str, activities) -> Calendar:
    calendar = _calendar(name)
    for activity in activities:
        calendar.add_component(_event(activity))
    return calendar


def ics_response(request, name: str, activities, filename: str) -> HttpResponse:
    """The feed, or 304 when the calendar app already has this version."""
    facts = activities.order_by().aggregate(n=Count("pk"), ids=Sum("pk"), changed=Max("updated_at"))
    day = timezone.localdate().isoformat()
    changed = facts["changed"] and facts["changed"].timestamp()
    # The sum of the ids tells a person's feed where one activity took another's place.
    tag = quote_etag(f"{facts['n']}-{facts['ids']}-{changed}-{day}")
    last_modified = facts["changed"].timestamp() if facts["changed"] else None
    not_modified = get_conditional_response(request, etag=tag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    # The body of this version, made once: every subscriber's app asks for the same one
    # (icalendar takes 0.2 ms an event: 50 ms for a busy group's window).
    key = (
        "feed:"
        + hashlib.sha256(
            f"{request.path}|{name}|{tag}|{translation.get_language()}".encode()
        ).hexdigest()
    )
    body = caches["pages"].get(key)
    if body is None:
        body = calendar_of(name, activities).to_ical()
        caches["pages"].set(key, body, FEED_BODY_SECONDS)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = f"private, max-age={60 if settings.DEBUG else 600}"
    response["ETag"] = tag
    if facts["changed"]:
        response["Last-Modified"] = http_date(last_modified)
    return response
