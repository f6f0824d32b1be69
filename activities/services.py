"""Writes for activities: sign-ups, waiting lists and offers, check-in, hours, certificates.

Capacity is guarded the way pretix guards quotas: lock the activity row, then count,
then insert or promote, all in one transaction. With the unique live sign-up constraint
in the database, no number of simultaneous clicks can overbook an activity or sign one
volunteer up twice.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    Activity,
    ActivityPhoto,
    CalendarFeed,
    Certificate,
    HoursCorrectionRequest,
    ServiceHours,
    SignUp,
    new_certificate_code,
    new_feed_token,
)
from activities.permissions import activity_policy
from groups.models import Membership, Organisation
from members.images import ProcessedImage
from members.models import Member
from members.services import member_email

CHECKIN_SALT = "activities.checkin"


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _audited_save(obj, actor, reason: str | None = None, **kwargs):
    obj._history_user = _actor(actor)
    if reason:
        obj._change_reason = reason
    obj.save(**kwargs)
    return obj


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _taken(activity: Activity) -> int:
    return SignUp.objects.filter(activity=activity, status__in=SignUp.HOLDS_PLACE).count()


def _require_manager(actor, activity: Activity) -> None:
    if not activity_policy.can_manage(actor, activity):
        raise PermissionDenied


# --- Sign-ups, the waiting list and offers ------------------------------------------------


def _clash(activity: Activity, member: Member) -> SignUp | None:
    """A confirmed sign-up of the member for another activity at the same time."""
    return (
        SignUp.objects.filter(member=member, status=SignUp.Status.CONFIRMED)
        .exclude(activity=activity)
        .filter(activity__starts_at__lt=activity.ends_at, activity__ends_at__gt=activity.starts_at)
        .exclude(activity__status=Activity.Status.CANCELLED)
        .select_related("activity")
        .first()
    )


def _lock_member(member: Member) -> None:
    """Serialise one volunteer's sign-ups across activities (for the overlap rule).

    Locks are always taken activity first, member second, so they cannot deadlock.
    """
    Member.objects.select_for_update().filter(pk=member.pk).first()


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
        free = activity.capacity - _taken(activity)
    if free <= 0:
        return moved
    waiting = SignUp.objects.filter(activity=activity).waiting_in_order().select_related("member")
    for signup in waiting.iterator(chunk_size=50):
        if len(moved) >= free:
            break
        _lock_member(signup.member)
        if _clash(activity, signup.member):
            continue
        if activity.offer_hours:
            signup.status = SignUp.Status.OFFERED
            signup.offer_expires_at = min(
                now + datetime.timedelta(hours=activity.offer_hours), activity.starts_at
            )
            _audited_save(signup, None, "offered")
            member_email(signup.member, "place_offered", {"signup": signup, "activity": activity})
        else:
            signup.status = SignUp.Status.CONFIRMED
            _audited_save(signup, None, "promoted")
            member_email(signup.member, "place_confirmed", {"signup": signup, "activity": activity})
        moved.append(signup)
    return moved


def _expire_lapsed_offers(activity: Activity, now: datetime.datetime) -> int:
    """Lapsed offers pass to the next in line. The activity must be locked."""
    lapsed = list(
        SignUp.objects.filter(
            activity=activity, status=SignUp.Status.OFFERED, offer_expires_at__lte=now
        )
    )
    for signup in lapsed:
        signup.status = SignUp.Status.EXPIRED
        _audited_save(signup, None, "offer lapsed")
    if lapsed:
        _fill_free_places(activity, now)
    return len(lapsed)


def offers_expire(*, activity: Activity | None = None, now: datetime.datetime | None = None) -> int:
    """Move lapsed offers on (cron: ``manage.py expire_offers``; pages call it too)."""
    now = now or timezone.now()
    lapsed = SignUp.objects.filter(status=SignUp.Status.OFFERED, offer_expires_at__lte=now)
    if activity is not None:
        lapsed = lapsed.filter(activity=activity)
    count = 0
    for activity_id in set(lapsed.values_list("activity_id", flat=True)):
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=activity_id)
            count += _expire_lapsed_offers(locked, now)
    return count


def member_for(user) -> Member:
    member = Member.objects.filter(user=user).first() if user.is_authenticated else None
    if member is None:
        raise ValidationError(
            _("Complete your profile first; then you can sign up."), code="no_profile"
        )
    return member


def _refuse_if_not_open(activity: Activity, member: Member, now: datetime.datetime) -> None:
    if activity.status != Activity.Status.PUBLISHED or now >= activity.starts_at:
        raise ValidationError(_("This activity no longer takes sign-ups."), code="closed")
    if activity.signup_opens_at and now < activity.signup_opens_at:
        raise ValidationError(
            _("Sign-up opens on %(when)s.")
            % {"when": timezone.localtime(activity.signup_opens_at).strftime("%Y-%m-%d %H:%M")},
            code="not_yet_open",
        )
    if now >= activity.signup_closes:
        raise ValidationError(_("Sign-up for this activity has closed."), code="closed")
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("Your record is inactive; please contact a coordinator."))
    _refuse_if_not_eligible(activity, member)


def _refuse_if_not_eligible(activity: Activity, member: Member) -> None:
    if (
        activity.eligibility == Activity.Eligibility.MEMBERS
        and not Membership.objects.active().filter(member=member, group=activity.group).exists()
    ):
        raise ValidationError(
            _("Only members of %(group)s may sign up for this activity.")
            % {"group": activity.group.name},
            code="not_eligible",
        )


def _refuse_duplicates(activity: Activity, member: Member) -> None:
    """The member row must be locked (``_lock_member``) so that two simultaneous sign-ups
    for overlapping activities cannot both pass."""
    if SignUp.objects.live().filter(activity=activity, member=member).exists():
        raise ValidationError(
            _("You are already signed up for this activity."), code="already_signed_up"
        )
    clash = _clash(activity, member)
    if clash:
        raise ValidationError(
            _("You are already confirmed for “%(title)s” at the same time.")
            % {"title": clash.activity.title},
            code="overlap",
        )


def _place(activity: Activity, member: Member, now: datetime.datetime, actor) -> SignUp:
    waiting = SignUp.objects.filter(activity=activity, status=SignUp.Status.WAITING).exists()
    has_room = activity.capacity is None or _taken(activity) < activity.capacity
    status = SignUp.Status.CONFIRMED if has_room and not waiting else SignUp.Status.WAITING
    signup = SignUp(activity=activity, member=member, status=status, created_at=now)
    return _audited_save(signup, actor, "signed up")


@transaction.atomic
def signup_create(*, actor, activity: Activity, now: datetime.datetime | None = None) -> SignUp:
    """Sign the actor up: confirmed while places remain, otherwise on the waiting list.

    The queue position is the moment the lock was obtained, so the order of the waiting
    list is the order in which sign-ups were really decided.
    """
    member = member_for(actor)
    activity = _lock(activity)
    now = now or timezone.now()
    _expire_lapsed_offers(activity, now)
    _refuse_if_not_open(activity, member, now)
    _lock_member(member)
    _refuse_duplicates(activity, member)
    return _place(activity, member, now, actor)


def waiting_position(signup: SignUp) -> int | None:
    if signup.status != SignUp.Status.WAITING:
        return None
    ahead = SignUp.objects.filter(
        activity_id=signup.activity_id, status=SignUp.Status.WAITING
    ).filter(
        Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
    )
    return ahead.count() + 1


@transaction.atomic
def signup_cancel(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    """The volunteer cancels before the start; the freed place goes to the waiting list."""
    now = now or timezone.now()
    if signup.member.user_id is None or signup.member.user_id != actor.pk:
        raise PermissionDenied
    activity = _lock(signup.activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status not in SignUp.LIVE:
        raise ValidationError(_("This sign-up has already ended."), code="not_live")
    if now >= activity.starts_at:
        raise ValidationError(
            _("The activity has started; please tell the coordinator instead."), code="started"
        )
    signup.status, signup.cancelled_at = SignUp.Status.CANCELLED, now
    _audited_save(signup, actor, "cancelled")
    _fill_free_places(activity, now)
    return signup


@transaction.atomic
def offer_accept(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    if signup.member.user_id is None or signup.member.user_id != actor.pk:
        raise PermissionDenied
    activity = _lock(signup.activity)
    _expire_lapsed_offers(activity, now)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if (
        signup.status != SignUp.Status.OFFERED
        or activity.status != Activity.Status.PUBLISHED
        or now >= activity.starts_at
    ):
        raise ValidationError(_("This offer is no longer open."), code="offer_gone")
    signup.status, signup.offer_expires_at = SignUp.Status.CONFIRMED, None
    return _audited_save(signup, actor, "offer accepted")


@transaction.atomic
def participant_add(
    *, actor, activity: Activity, member: Member, now: datetime.datetime | None = None
) -> SignUp:
    """A coordinator adds someone: confirmed if a place is free, else on the waiting list."""
    _require_manager(actor, activity)
    activity = _lock(activity)
    now = now or timezone.now()
    if activity.status != Activity.Status.PUBLISHED or now >= activity.ends_at:
        raise ValidationError(_("This activity no longer takes sign-ups."), code="closed")
    if member.status != Member.Status.ACTIVE:
        raise ValidationError(_("This member's record is inactive."), code="inactive")
    _refuse_if_not_eligible(activity, member)
    _expire_lapsed_offers(activity, now)
    _lock_member(member)
    if SignUp.objects.live().filter(activity=activity, member=member).exists():
        raise ValidationError(
            _("%(name)s is already signed up for this activity.") % {"name": member.full_name},
            code="already_signed_up",
        )
    clash = _clash(activity, member)
    if clash:
        raise ValidationError(
            _("%(name)s is confirmed for “%(title)s” at the same time.")
            % {"name": member.full_name, "title": clash.activity.title},
            code="overlap",
        )
    return _place(activity, member, now, actor)


@transaction.atomic
def participant_remove(*, actor, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    _require_manager(actor, signup.activity)
    activity = _lock(signup.activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status not in SignUp.LIVE:
        raise ValidationError(_("This sign-up has already ended."), code="not_live")
    signup.status, signup.cancelled_at = SignUp.Status.REMOVED, now
    _audited_save(signup, actor, "removed")
    _fill_free_places(activity, now)
    return signup


@transaction.atomic
def waitlist_promote(*, actor, signup: SignUp) -> SignUp:
    """A coordinator moves someone off the waiting list by hand (when a place is free)."""
    _require_manager(actor, signup.activity)
    activity = _lock(signup.activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status not in (SignUp.Status.WAITING, SignUp.Status.OFFERED):
        raise ValidationError(_("Only someone waiting can be moved up."), code="not_waiting")
    if activity.status != Activity.Status.PUBLISHED:
        raise ValidationError(_("This activity no longer takes sign-ups."), code="closed")
    _lock_member(signup.member)
    clash = _clash(activity, signup.member)
    if clash:
        raise ValidationError(
            _("%(name)s is confirmed for “%(title)s” at the same time.")
            % {"name": signup.member.full_name, "title": clash.activity.title},
            code="overlap",
        )
    if (
        signup.status == SignUp.Status.WAITING
        and activity.capacity is not None
        and _taken(activity) >= activity.capacity
    ):
        raise ValidationError(_("No place is free. Raise the number of places first."), code="full")
    signup.status, signup.offer_expires_at = SignUp.Status.CONFIRMED, None
    _audited_save(signup, actor, "moved up by hand")
    member_email(signup.member, "place_confirmed", {"signup": signup, "activity": activity})
    return signup


# --- Managing activities ------------------------------------------------------------------


@transaction.atomic
def activity_save(*, actor, activity: Activity, themes=None, skills=None, cover=None) -> Activity:
    """Create or change an activity (the form has set its fields); more places fill the
    waiting list at once."""
    _require_manager(actor, activity)
    if activity.pk:
        # The form read the row before this lock; a publish or cancel made meanwhile wins.
        activity.status = _lock(activity).status
        taken = _taken(activity)
        if activity.capacity is not None and activity.capacity < taken:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(n)s people already hold a place; remove some before lowering the "
                        "number of places."
                    )
                    % {"n": taken}
                }
            )
    else:
        activity.created_by = _actor(actor)
    if cover is not None:
        activity.cover.save(cover.name, cover, save=False)
    activity.full_clean()
    _audited_save(activity, actor)
    if themes is not None:
        activity.themes.set(themes)
    if skills is not None:
        activity.skills_wanted.set(skills)
    if activity.status == Activity.Status.PUBLISHED:
        _fill_free_places(activity, timezone.now())
    return activity


@transaction.atomic
def activity_publish(*, actor, activity: Activity) -> Activity:
    _require_manager(actor, activity)
    activity = _lock(activity)
    if activity.status != Activity.Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    activity.status = Activity.Status.PUBLISHED
    return _audited_save(activity, actor, "published")


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str = "") -> Activity:
    """Cancel; everyone signed up or waiting is emailed."""
    _require_manager(actor, activity)
    activity = _lock(activity)
    if activity.status not in (Activity.Status.DRAFT, Activity.Status.PUBLISHED):
        raise ValidationError(_("This activity can no longer be cancelled."))
    activity.status = Activity.Status.CANCELLED
    _audited_save(activity, actor, "cancelled")
    for signup in SignUp.objects.live().filter(activity=activity).select_related("member"):
        member_email(signup.member, "activity_cancelled", {"activity": activity, "reason": reason})
    return activity


@transaction.atomic
def activity_complete(
    *, actor, activity: Activity, beneficiaries: int | None, report: str
) -> Activity:
    """After the event: people served and a short report; proposes everyone's hours."""
    _require_manager(actor, activity)
    activity = _lock(activity)
    if activity.status != Activity.Status.PUBLISHED or activity.starts_at > timezone.now():
        raise ValidationError(_("Only a published activity that has started can be completed."))
    activity.status = Activity.Status.COMPLETED
    activity.beneficiaries, activity.report = beneficiaries, report
    _audited_save(activity, actor, "completed")
    attended = SignUp.objects.filter(
        activity=activity, attended=True, status=SignUp.Status.CONFIRMED
    ).select_related("activity")
    for signup in attended:
        if not signup.hours.filter(is_current=True).exists():
            _propose(actor, signup, None, "")
    return activity


@transaction.atomic
def activity_copy(*, actor, activity: Activity) -> Activity:
    """A new draft with the same details, to repeat an activity (dates to be set)."""
    _require_manager(actor, activity)
    copy = Activity.objects.get(pk=activity.pk)
    copy.pk = None
    copy.status = Activity.Status.DRAFT
    suffix = _("%(title)s (copy)") % {"title": ""}
    copy.title = _("%(title)s (copy)") % {"title": activity.title[: 200 - len(suffix)]}
    copy.beneficiaries, copy.report = None, ""
    copy.created_by = _actor(actor)
    _audited_save(copy, actor, f"copied from #{activity.pk}")
    copy.themes.set(activity.themes.all())
    copy.skills_wanted.set(activity.skills_wanted.all())
    return copy


@transaction.atomic
def activity_add_photos(
    *, actor, activity: Activity, photos: list[ProcessedImage], caption: str = ""
) -> list[ActivityPhoto]:
    _require_manager(actor, activity)
    saved = []
    for processed in photos:
        photo = ActivityPhoto(activity=activity, caption=caption, uploaded_by=_actor(actor))
        photo.image.save(processed.image.name, processed.image, save=False)
        photo.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
        photo.save()
        saved.append(photo)
    return saved


# --- Check-in ----------------------------------------------------------------------------


def checkin_token(activity: Activity) -> str:
    """Signed: the activity and its start, so a rescheduled activity needs a new code."""
    return signing.dumps({"a": activity.pk, "s": activity.starts_at.isoformat()}, salt=CHECKIN_SALT)


def checkin_window(activity: Activity) -> tuple[datetime.datetime, datetime.datetime]:
    opens = activity.starts_at - datetime.timedelta(minutes=settings.CHECKIN_OPENS_MINUTES_BEFORE)
    return opens, activity.ends_at


def activity_for_token(token: str) -> Activity:
    try:
        payload = signing.loads(token, salt=CHECKIN_SALT)
        activity = Activity.objects.select_related("group").get(pk=payload["a"])
    except (signing.BadSignature, KeyError, TypeError, Activity.DoesNotExist):
        raise ValidationError(
            _("This check-in code is not valid. Scan the code shown at the activity."),
            code="forged",
        ) from None
    if payload.get("s") != activity.starts_at.isoformat():
        raise ValidationError(_("This check-in code is out of date."), code="stale")
    return activity


@transaction.atomic
def checkin_with_token(*, actor, token: str, now: datetime.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    activity = activity_for_token(token)
    opens, closes = checkin_window(activity)
    if activity.status != Activity.Status.PUBLISHED or not (opens <= now <= closes):
        raise ValidationError(
            _("Check-in for this activity is not open now."), code="outside_window"
        )
    member = member_for(actor)
    signup = (
        SignUp.objects.select_for_update()
        .filter(activity=activity, member=member, status=SignUp.Status.CONFIRMED)
        .first()
    )
    if signup is None:
        raise ValidationError(
            _("You are not confirmed for this activity; please see the coordinator."),
            code="not_signed_up",
        )
    if signup.checked_in_at is None:
        signup.checked_in_at, signup.attended = now, True
        _audited_save(signup, actor, "checked in by QR code")
    return signup


@transaction.atomic
def attendance_record(
    *,
    actor,
    signup: SignUp,
    attended: bool | None,
    checked_in_at: datetime.datetime | None,
    checked_out_at: datetime.datetime | None,
) -> SignUp:
    _require_manager(actor, signup.activity)
    _require_activity_under_way(signup.activity)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    signup.attended = attended
    signup.checked_in_at, signup.checked_out_at = checked_in_at, checked_out_at
    signup.full_clean()
    return _audited_save(signup, actor, "attendance")


@transaction.atomic
def attendance_save(*, actor, rows) -> int:
    """The attendance sheet: every changed row, all or nothing."""
    for signup, attended, checked_in_at, checked_out_at in rows:
        attendance_record(
            actor=actor,
            signup=signup,
            attended=attended,
            checked_in_at=checked_in_at,
            checked_out_at=checked_out_at,
        )
    return len(rows)


# --- Hours -------------------------------------------------------------------------------


def default_hours(signup: SignUp) -> Decimal:
    """From check-in and check-out when both are known, else the activity's duration."""
    if signup.checked_in_at and signup.checked_out_at:
        seconds = (signup.checked_out_at - signup.checked_in_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))
    return signup.activity.duration_hours


def _require_activity_under_way(activity: Activity) -> None:
    """Attendance and hours only once check-in has opened, and never for a cancelled one."""
    if activity.status == Activity.Status.CANCELLED:
        raise ValidationError(_("This activity was cancelled."), code="cancelled")
    if timezone.now() < checkin_window(activity)[0]:
        raise ValidationError(
            _("Attendance and hours can be recorded once the activity is under way."),
            code="not_started",
        )


def _require_hours_allowed(actor, signup: SignUp) -> SignUp:
    """Hours are for confirmed participants, and nobody records or approves their own."""
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("activity", "member")
        .get(pk=signup.pk)
    )  # one writer of a sign-up's hours at a time (only the sign-up row is locked)
    _require_activity_under_way(signup.activity)
    if signup.status != SignUp.Status.CONFIRMED:
        raise ValidationError(
            _("Hours are recorded only for confirmed participants."), code="not_confirmed"
        )
    if signup.member.user_id is not None and signup.member.user_id == getattr(actor, "pk", None):
        raise PermissionDenied("Nobody records or approves their own hours.")
    return signup


def _propose(actor, signup: SignUp, hours: Decimal | None, note: str) -> ServiceHours:
    signup = _require_hours_allowed(actor, signup)
    current = signup.hours.filter(is_current=True).first()
    if current and current.status == ServiceHours.Status.APPROVED:
        raise ValidationError(
            _("These hours are approved and locked; record a correction instead."),
            code="locked",
        )
    entry = current or ServiceHours(signup=signup, recorded_by=_actor(actor))
    entry.hours = default_hours(signup) if hours is None else hours
    entry.note = note
    entry.full_clean()
    return _audited_save(entry, actor, "proposed")


@transaction.atomic
def hours_propose(*, actor, signup: SignUp, hours: Decimal | None = None, note: str = ""):
    _require_manager(actor, signup.activity)
    return _propose(actor, signup, hours, note)


@transaction.atomic
def hours_propose_attended(*, actor, activity: Activity) -> int:
    """Propose hours for everyone marked present who has none yet."""
    _require_manager(actor, activity)
    count = 0
    for signup in SignUp.objects.filter(
        activity=activity, attended=True, status=SignUp.Status.CONFIRMED
    ).select_related("activity"):
        if not signup.hours.filter(is_current=True).exists():
            _propose(actor, signup, None, "")
            count += 1
    return count


@transaction.atomic
def hours_approve(*, actor, entries) -> int:
    """Approve proposed hours; approved entries are locked from then on."""
    count = 0
    for entry in entries.select_related("signup__activity").select_for_update(of=("self",)):
        _require_manager(actor, entry.signup.activity)
        if entry.status == ServiceHours.Status.APPROVED or not entry.is_current:
            continue
        _require_hours_allowed(actor, entry.signup)
        entry.status = ServiceHours.Status.APPROVED
        entry.approved_by, entry.approved_at = _actor(actor), timezone.now()
        _audited_save(entry, actor, "approved")
        count += 1
    return count


@transaction.atomic
def hours_correct(*, actor, signup: SignUp, hours: Decimal, note: str) -> ServiceHours:
    """A correction of approved hours: a new approved entry that supersedes the old one."""
    _require_manager(actor, signup.activity)
    signup = _require_hours_allowed(actor, signup)
    current = signup.hours.filter(is_current=True).first()
    if current is not None:
        current.is_current = False
        _audited_save(current, actor, "superseded")
    entry = ServiceHours(
        signup=signup,
        hours=hours,
        note=note,
        supersedes=current,
        status=ServiceHours.Status.APPROVED,
        recorded_by=_actor(actor),
        approved_by=_actor(actor),
        approved_at=timezone.now(),
    )
    entry.full_clean()
    return _audited_save(entry, actor, "correction")


@transaction.atomic
def correction_request(
    *, actor, signup: SignUp, requested_hours: Decimal, reason: str
) -> HoursCorrectionRequest:
    if signup.member.user_id is None or signup.member.user_id != actor.pk:
        raise PermissionDenied
    if signup.corrections.filter(status=HoursCorrectionRequest.Status.OPEN).exists():
        raise ValidationError(_("A correction request is already open."), code="open")
    request = HoursCorrectionRequest(signup=signup, requested_hours=requested_hours, reason=reason)
    request.full_clean()
    return _audited_save(request, actor, "requested")


@transaction.atomic
def correction_decide(
    *, actor, request: HoursCorrectionRequest, accept: bool, reason: str
) -> HoursCorrectionRequest:
    _require_manager(actor, request.signup.activity)
    request = HoursCorrectionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != HoursCorrectionRequest.Status.OPEN:
        raise ValidationError(_("This request has already been decided."))
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Give a reason when rejecting a request.")})
    request.status = (
        HoursCorrectionRequest.Status.ACCEPTED if accept else HoursCorrectionRequest.Status.REJECTED
    )
    request.decided_by, request.decided_at = _actor(actor), timezone.now()
    request.decision_reason = reason.strip()
    _audited_save(request, actor, request.status)
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


# --- Certificates and calendars -------------------------------------------------------------


def approved_hours(member: Member):
    return ServiceHours.objects.filter(
        signup__member=member, status=ServiceHours.Status.APPROVED, is_current=True
    )


@transaction.atomic
def certificate_issue(*, actor, member: Member) -> Certificate:
    """The volunteer's service record as it stands now, frozen, with a verification code."""
    if member.user_id is None or member.user_id != actor.pk:
        raise PermissionDenied
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
    if member.user_id is None or member.user_id != actor.pk:
        raise PermissionDenied
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
