"""Every move of a service request is one function here: it locks the request, refuses a
move the table (``transitions.py``) does not allow with a message, checks who asks,
records who and when (the history, with the move as its event), and tells the people
concerned after the commit."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity
from activities.services import activity_publish, activity_save, waitlist_invite
from groups.models import ServiceGroup
from members.models import Member
from service_requests import notify
from service_requests.models import GroupIntake, RequestEvent, ServiceRequest
from service_requests.permissions import request_policy
from service_requests.transitions import MOVES
from volunteer_portal.audit import audited_save, bulk_update_audited, history_user

REQUESTER = None  # the requester's moves are made with the tracking code, not an account


def _lock(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _begin(actor, request: ServiceRequest, name: str) -> ServiceRequest:
    """The locked request, if ``name`` may be done to it now by ``actor``."""
    move = MOVES[name]
    request = _lock(request)
    if request.status not in move.sources:
        raise ValidationError(
            _("This request is now “%(status)s”: that is no longer possible.")
            % {"status": request.get_status_display()},
            code="illegal_move",
        )
    if move.who != "requester" and not request_policy.may_move(actor, request, name):
        raise PermissionDenied
    return request


def _finish(actor, request: ServiceRequest, name: str, *, clean: bool = False):
    move = MOVES[name]
    request.status = move.target
    request.last_action_at = timezone.now()
    audited_save(request, actor=actor, event=move.event, clean=clean)
    notify.status_changed(request, name)
    return request


@transaction.atomic
def request_submit(*, request: ServiceRequest, actor=None) -> ServiceRequest:
    """A new request (the public form, or staff entering one for someone). A request of a
    known kind goes straight to its group when the group takes them directly."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        if not request_policy.can_enter(actor):
            raise PermissionDenied
        request.entered_by = history_user(actor)
    else:
        request.channel = ServiceRequest.Channel.ONLINE
    audited_save(request, actor=actor, event=RequestEvent.SUBMITTED, clean=True)
    direct = (
        request.wanted_group_id is not None
        and GroupIntake.objects.filter(
            group_id=request.wanted_group_id, dispatch_directly=True, group__is_active=True
        ).exists()
    )
    if direct:
        request.group_id = request.wanted_group_id
        _finish(None, request, "dispatch")
    else:
        notify.received(request)
    return request


@transaction.atomic
def request_dispatch(*, actor, request: ServiceRequest, group: ServiceGroup) -> ServiceRequest:
    request = _begin(actor, request, "dispatch")
    if not group.is_active:
        raise ValidationError(_("This group is not active."), code="inactive_group")
    request.group = group
    request.decline_reason = ""
    return _finish(actor, request, "dispatch")


@transaction.atomic
def request_accept(
    *,
    actor,
    request: ServiceRequest,
    volunteers_needed: int,
    skills,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str,
) -> ServiceRequest:
    """The group takes the request on: an activity (a service, members of the group only,
    as many places as volunteers are needed) is made for it, as a draft the coordinator
    completes and publishes as usual; check-in, hours and certificates work as for any."""
    request = _begin(actor, request, "accept")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    activity = Activity(
        group=request.group,
        title=_("Service request No. %(number)s") % {"number": request.pk},
        kind=Activity.Kind.SERVICE,
        eligibility=Activity.Eligibility.INVITED,
        status=Activity.Status.DRAFT,
        capacity=volunteers_needed,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        district=request.district,
    )
    activity_save(actor=actor, activity=activity, skills=list(skills))
    request.activity = activity
    request.volunteers_needed = volunteers_needed
    _finish(actor, request, "accept")
    request.skills_needed.set(skills)
    return request


@transaction.atomic
def request_decline(*, actor, request: ServiceRequest, reason: str) -> ServiceRequest:
    """Back to the triage queue, with the reason (the group's own, for the admins)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the request finds the right group.")})
    request = _begin(actor, request, "decline")
    request.decline_reason = reason.strip()
    request.group = None
    return _finish(actor, request, "decline")


@transaction.atomic
def request_start(*, actor, request: ServiceRequest) -> ServiceRequest:
    return _finish(actor, _begin(actor, request, "start"), "start")


@transaction.atomic
def request_complete(
    *, actor, request: ServiceRequest, delivery_notes: str, people_served: int | None
) -> ServiceRequest:
    request = _begin(actor, request, "complete")
    request.delivery_notes = delivery_notes
    request.people_served = people_served
    request.completed_at = timezone.now()
    return _finish(actor, request, "complete")


@transaction.atomic
def request_close(*, actor, request: ServiceRequest) -> ServiceRequest:
    request = _begin(actor, request, "close")
    request.closed_at = timezone.now()
    return _finish(actor, request, "close")


@transaction.atomic
def request_rate(*, request: ServiceRequest, rating: int, comment: str = "") -> ServiceRequest:
    """The requester's evaluation, once, after completion (by tracking code)."""
    request = _begin(REQUESTER, request, "rate")
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("Choose from one to five stars.")})
    request.rating, request.rating_comment = int(rating), comment.strip()
    request.rated_at = timezone.now()
    _finish(REQUESTER, request, "rate")
    if request.low_rating:
        notify.low_rating(request)
    return request


@transaction.atomic
def request_withdraw(*, request: ServiceRequest) -> ServiceRequest:
    """The requester no longer needs it (by tracking code), before completion."""
    return _withdraw(REQUESTER, _begin(REQUESTER, request, "withdraw"), "withdraw")


@transaction.atomic
def request_cancel(*, actor, request: ServiceRequest, reason: str) -> ServiceRequest:
    """The same, made by staff for a requester who asked them (on the phone, at the desk:
    many have no email and keep no code), with what they said."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why: who asked, and when.")})
    request = _begin(actor, request, "cancel")
    request.withdraw_reason = reason.strip()
    return _withdraw(actor, request, "cancel")


def _withdraw(actor, request: ServiceRequest, name: str) -> ServiceRequest:
    request.closed_at = timezone.now()
    activity = request.activity
    if activity is not None and activity.cancellable and activity.starts_at > timezone.now():
        # Everyone asked or signed up is told (activity_cancel emails them); the group's
        # coordinators hear of the withdrawal from notify.
        from activities.services import activity_cancel

        activity_cancel(
            actor=None,
            activity=activity,
            reason=_("The requester no longer needs the service."),
            as_system=True,
        )
    return _finish(actor, request, name)


@transaction.atomic
def close_unrated(now: datetime.datetime | None = None) -> int:
    """Close the requests completed more than REQUEST_RATING_DAYS ago that the requester
    has not rated (the ``close_requests`` command, daily): the rating window has passed.
    Each is closed through the table's "lapse" move, with its history; no one is emailed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REQUEST_RATING_DAYS)
    # Rows being rated this moment are skipped (their rating wins); the rest are closed,
    # with their history records, in two queries however long the backlog.
    due = list(
        ServiceRequest.objects.select_for_update(skip_locked=True).filter(
            status=ServiceRequest.Status.COMPLETED, completed_at__lt=cutoff
        )
    )
    for request in due:
        request.status = MOVES["lapse"].target
        request.closed_at = request.last_action_at = now
    bulk_update_audited(
        due, ["status", "closed_at", "last_action_at"], actor=None, event=MOVES["lapse"].event
    )
    return len(due)


# Offers to volunteers asked for a request last this long (unless the activity says).
OFFER_HOURS = 24


@transaction.atomic
def request_invite(*, actor, request: ServiceRequest, member_ids: list[int]):
    """The coordinator asks the volunteers chosen from the suggestions, best first: the
    activity is published if it is still a draft, the first ones get a time-limited offer
    of the places, and a decline or a lapse passes a place to the next one asked.
    Returns (the sign-ups made, the names passed over)."""
    request = _lock(request)
    if not request_policy.can_act_for_group(actor, request):
        raise PermissionDenied
    if request.status not in (ServiceRequest.Status.ACCEPTED, ServiceRequest.Status.IN_SERVICE):
        raise ValidationError(
            _("Volunteers are asked once the group has accepted the request."), code="state"
        )
    activity = request.activity
    if activity is None:
        raise ValidationError(_("This request has no activity."), code="no_activity")
    if not activity.offer_hours:
        activity.offer_hours = OFFER_HOURS
        activity_save(actor=actor, activity=activity)
    if activity.status == Activity.Status.DRAFT:
        activity_publish(actor=actor, activity=activity)
    # Only the group's active members: an id from elsewhere is left out, unnamed.
    by_pk = Member.objects.filter(
        memberships__group_id=request.group_id, memberships__status="active"
    ).in_bulk(member_ids)
    members = [by_pk[pk] for pk in member_ids if pk in by_pk]  # in the order chosen
    result = waitlist_invite(actor=actor, activity=activity, members=members)
    request.last_action_at = timezone.now()
    request.save(update_fields=["last_action_at"])
    return result
