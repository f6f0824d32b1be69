"""Sign-ups, the waiting list and offers.

With the unique live sign-up constraint in the database and the activity row locked
before counting, no number of simultaneous clicks can overbook an activity or sign one
volunteer up twice.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, SignUp, SignUpEvent
from activities.permissions import SignUpState, activity_policy, signup_state
from activities.selectors import overlapping_signup
from activities.services.base import lock_activity, lock_member, places_left, taken
from groups.models import Membership
from members.models import Member
from members.services import member_email
from volunteer_portal.audit import audited_save, bulk_update_audited
from volunteer_portal.mail import email_batch
from volunteer_portal.permissions import require_self


def _fill_free_places(activity: Activity, now: datetime.datetime) -> list[SignUp]:
    """Give free places to the waiting list, in order. The activity must be locked.

    Only while the activity is published and has not started. Someone waiting who is
    meanwhile confirmed for another activity at the same time is passed over (and stays
    on the list, in case that changes).
    """
    moved = []
    if activity.status != Activity.Status.PUBLISHED or activity.starts_at <= now:
        return moved
    if activity.capacity is None:
        free = SignUp.objects.filter(activity=activity, status=SignUp.Status.WAITING).count()
    else:
        free = activity.capacity - taken(activity, now)
    if free <= 0:
        return moved
    waiting = (
        SignUp.objects.filter(activity=activity).waiting_in_order().select_related("member__user")
    )
    with email_batch():
        for signup in waiting.iterator(chunk_size=50):
            if len(moved) >= free:
                break
            lock_member(signup.member)
            if overlapping_signup(activity, signup.member):
                continue
            if activity.offer_hours:
                signup.status = SignUp.Status.OFFERED
                signup.offer_expires_at = min(
                    now + datetime.timedelta(hours=activity.offer_hours), activity.starts_at
                )
                audited_save(signup, actor=None, event=SignUpEvent.OFFERED)
                member_email(
                    signup.member, "place_offered", {"signup": signup, "activity": activity}
                )
            else:
                signup.status = SignUp.Status.CONFIRMED
                audited_save(signup, actor=None, event=SignUpEvent.PROMOTED)
                member_email(
                    signup.member, "place_confirmed", {"signup": signup, "activity": activity}
                )
            moved.append(signup)
    return moved


def settle_lapsed_offers(activity: Activity, now: datetime.datetime) -> int:
    """Lapsed offers pass to the next in line. The activity must be locked.

    Write paths call this before they count; pages never do (they count a lapsed offer as
    free instead), and ``manage.py expire_offers`` runs it periodically.
    """
    lapsed = list(
        SignUp.objects.select_for_update().filter(
            activity=activity, status=SignUp.Status.OFFERED, offer_expires_at__lte=now
        )
    )
    for signup in lapsed:
        signup.status = SignUp.Status.EXPIRED
    bulk_update_audited(lapsed, ["status"], actor=None, event=SignUpEvent.OFFER_LAPSED)
    if lapsed:
        _fill_free_places(activity, now)
    return len(lapsed)


def lock_and_settle(
    activity: Activity, now: datetime.datetime | None
) -> tuple[Activity, datetime.datetime]:
    """Lock the activity, then take the time (so it follows the order of the locks), then
    hand lapsed offers on. Every write path that counts places starts here."""
    activity = lock_activity(activity)
    now = now or timezone.now()
    settle_lapsed_offers(activity, now)
    return activity, now


def offers_expire(*, activity: Activity | None = None, now: datetime.datetime | None = None) -> int:
    """Move lapsed offers on (periodic: ``manage.py expire_offers``)."""
    now = now or timezone.now()
    lapsed = SignUp.objects.filter(status=SignUp.Status.OFFERED, offer_expires_at__lte=now)
    if activity is not None:
        lapsed = lapsed.filter(activity=activity)
    count = 0
    for activity_id in set(lapsed.values_list("activity_id", flat=True)):
        with transaction.atomic():
            count += settle_lapsed_offers(lock_activity(Activity(pk=activity_id)), now)
    return count


def member_for(user) -> Member:
    member = Member.objects.filter(user=user).first() if user.is_authenticated else None
    if member is None:
        raise ValidationError(
            _("Complete your profile first; then you can sign up."), code="no_profile"
        )
    return member


def _is_group_member(activity: Activity, member: Member) -> bool:
    return Membership.objects.active().filter(member=member, group_id=activity.group_id).exists()


def _refusal(state: str, activity: Activity, clash: SignUp | None) -> ValidationError:
    """The message for a sign-up the rule refuses (``SignUpState``, not joinable)."""
    if state == SignUpState.NOT_YET_OPEN:
        return ValidationError(
            _("Sign-up opens on %(when)s.")
            % {"when": timezone.localtime(activity.signup_opens_at).strftime("%Y-%m-%d %H:%M")},
            code="not_yet_open",
        )
    if state == SignUpState.MEMBERS_ONLY:
        return ValidationError(
            _("Only members of %(group)s may sign up for this activity.")
            % {"group": activity.group.name},
            code="not_eligible",
        )
    if state == SignUpState.INVITED_ONLY:
        return ValidationError(
            _("Only the volunteers the coordinator asks take part in this activity."),
            code="invited_only",
        )
    if state == SignUpState.SIGNED_UP:
        return ValidationError(
            _("You are already signed up for this activity."), code="already_signed_up"
        )
    if state == SignUpState.OVERLAP:
        return ValidationError(
            _("You are already confirmed for “%(title)s” at the same time.")
            % {"title": clash.activity.title},
            code="overlap",
        )
    if state == SignUpState.INACTIVE:
        return ValidationError(
            _("Your record is inactive; please contact a coordinator."), code="inactive"
        )
    if (
        state == SignUpState.CLOSED
        and activity.status == Activity.Status.PUBLISHED
        and activity.starts_at > timezone.now()
    ):
        return ValidationError(_("Sign-up for this activity has closed."), code="closed")
    return ValidationError(_("This activity no longer takes sign-ups."), code="closed")


def _place(activity: Activity, member: Member, now: datetime.datetime, actor) -> SignUp:
    waiting = SignUp.objects.filter(activity=activity, status=SignUp.Status.WAITING).exists()
    left = places_left(activity, now)
    has_room = left is None or left > 0
    status = SignUp.Status.CONFIRMED if has_room and not waiting else SignUp.Status.WAITING
    signup = SignUp(activity=activity, member=member, status=status, created_at=now)
    return audited_save(signup, actor=actor, event=SignUpEvent.SIGNED_UP)


@transaction.atomic
def signup_create(*, actor, activity: Activity, now: datetime.datetime | None = None) -> SignUp:
    """Sign the actor up: confirmed while places remain, otherwise on the waiting list.

    The rule is ``signup_state``, the one the activity page uses to show the button. The
    queue position is the moment the lock was obtained, so the order of the waiting list
    is the order in which sign-ups were really decided.
    """
    member = member_for(actor)
    activity, now = lock_and_settle(activity, now)  # the queue follows the lock order
    lock_member(member)
    state = signup_state(
        activity,
        now=now,
        member=member,
        places_left=places_left(activity, now),
        live_signup=SignUp.objects.live().filter(activity=activity, member=member).first(),
        is_group_member=(
            activity.eligibility == Activity.Eligibility.MEMBERS
            and _is_group_member(activity, member)
        ),
        clash=(clash := overlapping_signup(activity, member)),
    )
    if state not in SignUpState.JOINABLE:
        raise _refusal(state, activity, clash)
    return _place(activity, member, now, actor)


def _lock_signup(signup: SignUp, activity: Activity) -> SignUp:
    locked = SignUp.objects.select_for_update(of=("self",)).select_related("member")
    signup = locked.get(pk=signup.pk)
    signup.activity = activity
    return signup


@transaction.atomic
def signup_cancel(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    """The volunteer cancels before the start; the freed place goes to the waiting list."""
    require_self(actor, signup.member)
    activity, now = lock_and_settle(signup.activity, now)
    signup = _lock_signup(signup, activity)
    if not signup.is_live:
        raise ValidationError(_("This sign-up has already ended."), code="not_live")
    if not signup.cancellable(now):
        raise ValidationError(
            _("The activity has started; please tell the coordinator instead."), code="started"
        )
    signup.status, signup.cancelled_at = SignUp.Status.CANCELLED, now
    audited_save(signup, actor=actor, event=SignUpEvent.CANCELLED)
    _fill_free_places(activity, now)
    return signup


@transaction.atomic
def offer_accept(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    require_self(actor, signup.member)
    activity, now = lock_and_settle(signup.activity, now)
    signup = _lock_signup(signup, activity)
    if not signup.offer_open(now):
        raise ValidationError(_("This offer is no longer open."), code="offer_gone")
    signup.status, signup.offer_expires_at = SignUp.Status.CONFIRMED, None
    return audited_save(signup, actor=actor, event=SignUpEvent.OFFER_ACCEPTED)


@transaction.atomic
def participant_add(
    *, actor, activity: Activity, member: Member, now: datetime.datetime | None = None
) -> SignUp:
    """A coordinator adds someone: confirmed if a place is free, else on the waiting list.

    Unlike a volunteer's own sign-up, this ignores the sign-up window: until the activity
    ends, a coordinator may add someone who turned up.
    """
    activity_policy.require(actor, "manage", activity)
    activity, now = lock_and_settle(activity, now)
    if activity.status != Activity.Status.PUBLISHED or now >= activity.ends_at:
        raise ValidationError(_("This activity no longer takes sign-ups."), code="closed")
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("This member's record is inactive."), code="inactive")
    if activity.eligibility != Activity.Eligibility.PUBLIC and not _is_group_member(
        activity, member
    ):
        raise _refusal(SignUpState.MEMBERS_ONLY, activity, None)
    lock_member(member)
    if SignUp.objects.live().filter(activity=activity, member=member).exists():
        raise ValidationError(
            _("%(name)s is already signed up for this activity.") % {"name": member.full_name},
            code="already_signed_up",
        )
    clash = overlapping_signup(activity, member)
    if clash:
        raise ValidationError(
            _("%(name)s is confirmed for “%(title)s” at the same time.")
            % {"name": member.full_name, "title": clash.activity.title},
            code="overlap",
        )
    return _place(activity, member, now, actor)


@transaction.atomic
def participant_remove(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    activity_policy.require(actor, "manage", signup.activity)
    activity, now = lock_and_settle(signup.activity, now)
    signup = _lock_signup(signup, activity)
    if not signup.is_live:
        raise ValidationError(_("This sign-up has already ended."), code="not_live")
    signup.status, signup.cancelled_at = SignUp.Status.REMOVED, now
    audited_save(signup, actor=actor, event=SignUpEvent.REMOVED)
    _fill_free_places(activity, now)
    return signup


@transaction.atomic
def waitlist_promote(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    """A coordinator moves someone off the waiting list by hand (when a place is free)."""
    activity_policy.require(actor, "manage", signup.activity)
    activity, now = lock_and_settle(signup.activity, now)
    signup = _lock_signup(signup, activity)
    if signup.status not in (SignUp.Status.WAITING, SignUp.Status.OFFERED):
        raise ValidationError(_("Only someone waiting can be moved up."), code="not_waiting")
    if activity.status != Activity.Status.PUBLISHED:
        raise ValidationError(_("This activity no longer takes sign-ups."), code="closed")
    lock_member(signup.member)
    clash = overlapping_signup(activity, signup.member)
    if clash:
        raise ValidationError(
            _("%(name)s is confirmed for “%(title)s” at the same time.")
            % {"name": signup.member.full_name, "title": clash.activity.title},
            code="overlap",
        )
    if not signup.promotable(places_left(activity, now), clashes=False):
        raise ValidationError(_("No place is free. Raise the number of places first."), code="full")
    signup.status, signup.offer_expires_at = SignUp.Status.CONFIRMED, None
    audited_save(signup, actor=actor, event=SignUpEvent.MOVED_UP_BY_HAND)
    member_email(signup.member, "place_confirmed", {"signup": signup, "activity": activity})
    return signup


@transaction.atomic
def waitlist_invite(
    *, actor, activity: Activity, members: list[Member], now: datetime.datetime | None = None
) -> tuple[list[SignUp], list[str]]:
    """A coordinator asks chosen members, in this order: they join the waiting list, and
    the free places go out as time-limited offers to the first of them; a decline or a
    lapse passes the place to the next (the waiting list's own rules). Returns the new
    sign-ups and the names passed over (already asked, inactive, busy at that time)."""
    activity_policy.require(actor, "manage", activity)
    activity, now = lock_and_settle(activity, now)
    if activity.status != Activity.Status.PUBLISHED or now >= activity.starts_at:
        raise ValidationError(_("This activity no longer takes sign-ups."), code="closed")
    asked = set(SignUp.objects.live().filter(activity=activity).values_list("member_id", flat=True))
    invited, passed_over = [], []
    for member in members:
        if (
            member.pk in asked
            or member.status != Member.Status.ACTIVE
            or not _is_group_member(activity, member)
            or overlapping_signup(activity, member)
        ):
            passed_over.append(member.full_name)
            continue
        signup = SignUp(activity=activity, member=member, status=SignUp.Status.WAITING)
        signup.created_at = now + datetime.timedelta(microseconds=len(invited))  # the order
        invited.append(audited_save(signup, actor=actor, event=SignUpEvent.INVITED))
        asked.add(member.pk)
    _fill_free_places(activity, now)
    return invited, passed_over
