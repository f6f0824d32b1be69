"""What the staff pages read: the queue (days open and overdue, computed by the database),
one request's timeline, and a group's counts for its dashboard. A fixed number of queries
each, however many requests there are."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.selectors import person_name
from members.validators import mask_middle, mask_phone
from service_requests.models import RequestEvent, ServiceRequest
from service_requests.permissions import VIEW_PERM, request_policy
from service_requests.transitions import OPEN
from volunteer_portal.audit import event_label
from volunteer_portal.permissions import is_admin, managed_group_ids

MODEL_LABEL = "service_requests.ServiceRequest"


class WholeDaysBetween(Func):
    """Whole days from the first datetime to the second, in SQL (SQLite and PostgreSQL)."""

    output_field = IntegerField()

    def _parts(self, compiler, connection):
        start, start_params = compiler.compile(self.source_expressions[0])
        end, end_params = compiler.compile(self.source_expressions[1])
        return start, end, (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        start, end, params = self._parts(compiler, connection)
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra):
        start, end, params = self._parts(compiler, connection)
        return f"CAST(EXTRACT(DAY FROM ({end}) - ({start})) AS INTEGER)", params


def overdue_cutoff(now: datetime.datetime) -> datetime.datetime:
    """An open request whose last action is older than this is overdue."""
    return now - datetime.timedelta(days=settings.REQUEST_OVERDUE_DAYS)


def overdue_q(now: datetime.datetime) -> Q:
    return Q(status__in=OPEN, last_action_at__lt=overdue_cutoff(now))


def in_queue_order(requests):
    """Open requests first, the longest waiting at the top; then the rest, newest first.
    Only what the order needs: the paginator sorts and counts this, narrow, and the page's
    rows get their columns afterwards (``with_queue_columns``)."""
    is_open = Q(status__in=OPEN)
    return requests.annotate(
        open_rank=Case(When(is_open, then=Value(0)), default=Value(1)),
        open_since=Case(When(is_open, then=F("created_at")), output_field=DateTimeField()),
    ).order_by("open_rank", F("open_since").asc(nulls_last=True), "-created_at", "-pk")


def with_queue_columns(requests, now: datetime.datetime | None = None):
    """The queue's rows (``in_queue_order``) with ``days_open`` (received until completed
    or closed, else until now) and ``overdue`` (open, and no action for
    ``REQUEST_OVERDUE_DAYS``), by the database, and their groups.

    For a page, pass the page's rows (``pk__in`` a sliced ``in_queue_order``): joined and
    computed for every request before the sort, these took 19 ms of a 5,000-request queue."""
    now = now or timezone.now()
    return in_queue_order(
        requests.select_related("group", "wanted_group").annotate(
            days_open=WholeDaysBetween(
                F("created_at"),
                Coalesce(
                    "completed_at",
                    "closed_at",
                    Value(now, output_field=DateTimeField()),
                    output_field=DateTimeField(),
                ),
            ),
            overdue=Case(
                When(overdue_q(now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
    )


def masked_email(email: str) -> str:
    """l***@example.com: enough to tell two addresses apart, not to write to one."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    shown = mask_middle(local, 1, 1) if len(local) > 2 else "*" * len(local)
    return f"{shown}@{domain}" if domain else shown


def contact_of(service_request: ServiceRequest, visible: bool) -> dict:
    """The phone and email as this reader may see them."""
    if visible:
        return {"phone": service_request.phone, "email": service_request.email, "masked": False}
    return {
        "phone": mask_phone(service_request.phone),
        "email": masked_email(service_request.email),
        "masked": True,
    }


def timeline(service_request: ServiceRequest, reader=None, *, masked: bool = False) -> list[dict]:
    """Every move of the request, oldest first: when, what, who (by name; the requester's
    own moves and those of the system have no account). One query."""
    records = service_request.history.select_related("history_user__member", "group").order_by(
        "history_date", "history_id"
    )
    from service_requests.board import board_text  # (the board reads this module)

    everything = reader is None or is_admin(reader, VIEW_PERM)
    managed = managed_group_ids(reader) if reader is not None else frozenset()
    entries, before = [], None  # before: the request's group in the previous record
    for record in records:
        reason = record.history_change_reason or ""
        group_id, before = (record.group_id or before), record.group_id
        if not reason or (entries and entries[-1]["event"] == reason):
            continue  # a save without a move (a typo corrected), or a move's second record
        # Who made a move, and why, while the request was with another group is that
        # group's business: a coordinator sees their own group's, and the intake.
        shown = everything or group_id is None or group_id in managed
        why = _reason(record, reason) if shown else ""
        entries.append(
            {
                "when": record.history_date,
                "event": reason,
                "label": _("Withdrawn for the requester")
                if reason == RequestEvent.WITHDRAWN and record.withdraw_reason
                else event_label(MODEL_LABEL, reason),
                "by": person_name(record.history_user)
                if shown and record.history_user_id
                else None,
                "group": record.group if reason == "dispatched" else None,
                "reason": board_text(why) if masked and why else why,
            }
        )
    return entries


def _reason(record, event: str) -> str:
    """The reason given with a move: a group's for declining, staff's for withdrawing."""
    if event == RequestEvent.DECLINED:
        return record.decline_reason
    if event == RequestEvent.WITHDRAWN:
        return record.withdraw_reason
    return ""


RATINGS_SHOWN_DAYS = 365


def group_counts(group) -> dict:
    """A group's open requests, how many wait for it to accept, how many are overdue, and
    how requesters rated its services in the last year (how many, the average, how many
    low): one query (the dashboard's box)."""
    now = timezone.now()
    rated = Q(rated_at__gte=now - datetime.timedelta(days=RATINGS_SHOWN_DAYS), rating__isnull=False)
    counts = ServiceRequest.objects.filter(group=group).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN)),
        waiting=Count("pk", filter=Q(status=ServiceRequest.Status.DISPATCHED)),
        overdue=Count("pk", filter=overdue_q(now)),
        rated=Count("pk", filter=rated),
        average=Avg("rating", filter=rated),
        low=Count("pk", filter=rated & Q(rating__lte=2)),
    )
    if counts["average"] is not None:
        counts["average"] = round(counts["average"], 1)
    return counts


def requester_panel(user, activity) -> dict | None:
    """On a request's activity page, for those who may see the contact (the volunteers
    confirmed for it, the group's coordinators, admins) while the request is open: who
    asked, how to reach them, and what they asked for. One query (the request)."""
    request = (
        ServiceRequest.objects.filter(activity_id=activity.pk, status__in=OPEN)
        .only("pk", "requester_name", "organisation", "phone", "email", "description",
              "preferred_dates", "group_id", "activity_id", "status")
        .first()
    )  # fmt: skip
    if request is None or not request_policy.can_see_contact(user, request):
        return None
    return {"template": "service_requests/_requester_panel.html", "requester": request}
