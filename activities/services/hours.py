"""Service hours: proposed from attendance, approved (then locked), corrected.

Proposing starts once check-in has opened; approving, and anything else that writes
approved hours (a correction, an accepted correction request), waits until the activity
has ended (``Activity.hours_approvable``).

National rules: whoever organises an activity records and certifies the service; records
are truthful; approved hours are never edited, a correction is a new entry that supersedes
the old one; and nobody records or approves their own hours. Bulk services leave out the
rows a rule forbids and say how many; they lock sign-ups before hours, as every service
here does, in one query each.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.hours_waiting import forget_hours_waiting
from activities.models import (
    Activity,
    HoursCorrectionRequest,
    HoursEvent,
    ServiceHours,
    SignUp,
)
from activities.permissions import activity_policy
from activities.selectors import default_hours
from activities.services.base import BatchResult, LeftOut
from members.services import member_email
from volunteer_portal.audit import (
    audited_save,
    bulk_create_audited,
    bulk_update_audited,
    history_user,
)
from volunteer_portal.permissions import is_self, require_self

MAX_HOURS = Decimal("240")

# Apps above this one hear when approved hours change (reports: its public summary is
# cached): callables without arguments, run after the commit. Registered at start-up
# (AppConfig.ready), as activities.selectors.ACTIVITY_PAGE_PANELS is. Approving is a bulk
# update, which sends no post_save.
HOURS_APPROVED_HOOKS: list = []


def _tell_approved() -> None:
    for hook in HOURS_APPROVED_HOOKS:
        transaction.on_commit(hook)


def _require_recordable(activity: Activity) -> None:
    """Attendance and hours only once check-in has opened, and never for a cancelled one."""
    if activity.status == Activity.Status.CANCELLED:
        raise ValidationError(_("This activity was cancelled."), code="cancelled")
    if not activity.hours_recordable():
        raise ValidationError(
            _("Attendance and hours can be recorded once the activity is under way."),
            code="not_started",
        )


def _require_approvable(activity: Activity) -> None:
    """Approving (and so locking) hours waits until the activity has ended."""
    _require_recordable(activity)
    if not activity.hours_approvable():
        raise ValidationError(
            _("Hours can be approved once the activity has ended, at %(time)s.")
            % {"time": timezone.localtime(activity.ends_at).strftime("%Y-%m-%d %H:%M")},
            code="not_ended",
        )


def _lock_signup_for_hours(actor, signup: SignUp) -> SignUp:
    """One writer of a sign-up's hours at a time: the sign-up row is the lock."""
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("activity", "member")
        .get(pk=signup.pk)
    )
    _require_recordable(signup.activity)
    if signup.status != SignUp.Status.CONFIRMED:
        raise ValidationError(
            _("Hours are recorded only for confirmed participants."), code="not_confirmed"
        )
    if is_self(actor, signup.member):
        raise PermissionDenied("Nobody records or approves their own hours.")
    return signup


def propose_attended(actor, activity: Activity) -> BatchResult:
    """Propose hours for everyone marked present who has none yet (inside a transaction).

    Fixed number of queries: lock the sign-ups, insert the entries with their history.
    """
    result = BatchResult()
    signups = list(
        SignUp.objects.select_for_update(of=("self",))
        .filter(activity=activity, attended=True, status=SignUp.Status.CONFIRMED)
        .select_related("member")
        .order_by("pk")
    )
    # Read after the locks, in a statement of its own: hours set meanwhile by someone
    # holding a sign-up's lock are seen here (a subquery in the locking statement would
    # still see the snapshot from before the wait).
    recorded = set(
        ServiceHours.objects.filter(
            signup_id__in=[s.pk for s in signups], is_current=True
        ).values_list("signup_id", flat=True)
    )
    entries = []
    for signup in signups:
        if signup.pk in recorded:
            continue
        signup.activity = activity
        if is_self(actor, signup.member):
            result.leave_out(LeftOut.OWN_HOURS)
            continue
        hours = default_hours(signup)
        if hours > MAX_HOURS:
            result.leave_out(LeftOut.TOO_LONG)
            continue
        entries.append(ServiceHours(signup=signup, hours=hours, recorded_by=history_user(actor)))
    bulk_create_audited(entries, actor=actor, event=HoursEvent.PROPOSED)
    forget_hours_waiting(activity.group_id)
    result.done = len(entries)
    return result


@transaction.atomic
def hours_propose_attended(*, actor, activity: Activity) -> BatchResult:
    """ "Fill in from attendance" on the hours page."""
    activity_policy.require(actor, "manage", activity)
    _require_recordable(activity)
    return propose_attended(actor, activity)


@transaction.atomic
def hours_propose(*, actor, signup: SignUp, hours: Decimal | None = None, note: str = ""):
    """Set one participant's hours before they are approved."""
    activity_policy.require(actor, "manage", signup.activity)
    signup = _lock_signup_for_hours(actor, signup)
    current = signup.hours.select_for_update().filter(is_current=True).first()
    if current and current.status == ServiceHours.Status.APPROVED:
        raise ValidationError(
            _("These hours are approved and locked; record a correction instead."),
            code="locked",
        )
    entry = current or ServiceHours(signup=signup, recorded_by=history_user(actor))
    entry.hours = default_hours(signup) if hours is None else hours
    entry.note = note
    forget_hours_waiting(signup.activity.group_id)
    return audited_save(entry, actor=actor, event=HoursEvent.PROPOSED, clean=True)


@transaction.atomic
def hours_approve(*, actor, activity: Activity, entry_ids) -> BatchResult:
    """Approve proposed hours of one activity; approved entries are locked from then on.

    The ids are scoped here (entries of this activity, current and proposed); the actor's
    own entry is left out and counted. Four queries whatever the number of entries: lock
    the sign-ups, lock the entries, update them, write their history.
    """
    activity_policy.require(actor, "manage", activity)
    _require_approvable(activity)
    ids = {int(pk) for pk in entry_ids}
    result = BatchResult()
    if not ids:
        return result
    signups = {
        signup.pk: signup
        for signup in SignUp.objects.select_for_update(of=("self",))
        .filter(
            activity=activity,
            status=SignUp.Status.CONFIRMED,
            pk__in=ServiceHours.objects.filter(pk__in=ids).values("signup_id"),
        )
        .select_related("member")
    }
    entries = list(
        ServiceHours.objects.select_for_update()
        .filter(pk__in=ids, signup_id__in=list(signups), is_current=True)
        .filter(status=ServiceHours.Status.PROPOSED)
        .order_by("pk")
    )
    now, approved = timezone.now(), []
    for entry in entries:
        signup = signups[entry.signup_id]
        signup.activity = activity
        entry.signup = signup
        if is_self(actor, signup.member):
            result.leave_out(LeftOut.OWN_HOURS)
            continue
        entry.status = ServiceHours.Status.APPROVED
        entry.approved_by, entry.approved_at = history_user(actor), now
        approved.append(entry)
    bulk_update_audited(
        approved, ["status", "approved_by", "approved_at"], actor=actor, event=HoursEvent.APPROVED
    )
    result.done = len(approved)
    if approved:
        forget_hours_waiting(activity.group_id)
        _tell_approved()
    return result


@transaction.atomic
def hours_correct(*, actor, signup: SignUp, hours: Decimal, note: str) -> ServiceHours:
    """A correction of approved hours: a new approved entry that supersedes the old one.
    It is approved at once, so it too waits until the activity has ended."""
    activity_policy.require(actor, "manage", signup.activity)
    signup = _lock_signup_for_hours(actor, signup)
    _require_approvable(signup.activity)
    current = signup.hours.select_for_update().filter(is_current=True).first()
    if current is not None:
        current.is_current = False
        audited_save(current, actor=actor, event=HoursEvent.SUPERSEDED)
    entry = ServiceHours(
        signup=signup,
        hours=hours,
        note=note,
        supersedes=current,
        status=ServiceHours.Status.APPROVED,
        recorded_by=history_user(actor),
        approved_by=history_user(actor),
        approved_at=timezone.now(),
    )
    audited_save(entry, actor=actor, event=HoursEvent.CORRECTION, clean=True)
    forget_hours_waiting(signup.activity.group_id)
    _tell_approved()
    return entry


@transaction.atomic
def correction_request(
    *, actor, signup: SignUp, requested_hours: Decimal, reason: str
) -> HoursCorrectionRequest:
    """The volunteer asks the organiser to correct their recorded hours, or to record
    hours that were never recorded (national rules: a volunteer may ask for a correction)."""
    require_self(actor, signup.member)
    if signup.status != SignUp.Status.CONFIRMED:
        raise ValidationError(
            _("Hours are recorded only for confirmed participants."), code="not_confirmed"
        )
    if not signup.activity.hours_recordable():
        raise ValidationError(
            _("Ask for a correction once the activity is under way."), code="not_started"
        )
    if signup.corrections.filter(status=HoursCorrectionRequest.Status.OPEN).exists():
        raise ValidationError(_("A correction request is already open."), code="open")
    request = HoursCorrectionRequest(signup=signup, requested_hours=requested_hours, reason=reason)
    return audited_save(request, actor=actor, event=HoursEvent.REQUESTED, clean=True)


@transaction.atomic
def correction_decide(
    *, actor, request: HoursCorrectionRequest, accept: bool, reason: str
) -> HoursCorrectionRequest:
    activity_policy.require(actor, "manage", request.signup.activity)
    if is_self(actor, request.signup.member):
        raise PermissionDenied("Nobody decides on their own hours.")
    # The rule the hours page shows it by: accepting records approved hours, so deciding
    # waits until the activity has ended (the volunteer may ask before).
    _require_approvable(request.signup.activity)
    SignUp.objects.select_for_update().filter(pk=request.signup_id).first()  # sign-up first
    request = HoursCorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != HoursCorrectionRequest.Status.OPEN:
        raise ValidationError(_("This request has already been decided."), code="decided")
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Give a reason when rejecting a request.")})
    request.status = (
        HoursCorrectionRequest.Status.ACCEPTED if accept else HoursCorrectionRequest.Status.REJECTED
    )
    request.decided_by, request.decided_at = history_user(actor), timezone.now()
    request.decision_reason = reason.strip()
    audited_save(request, actor=actor, event=HoursEvent.ACCEPTED if accept else HoursEvent.REJECTED)
    if accept:
        hours_correct(
            actor=actor,
            signup=request.signup,
            hours=request.requested_hours,
            note=_("Correction requested by the volunteer: %(reason)s")
            % {"reason": request.reason},
        )
    member_email(request.signup.member, "correction_decided", {"request": request})
    return request
