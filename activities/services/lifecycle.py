"""The life of an activity: saved as a draft, published, cancelled or completed, copied."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Activity, ActivityEvent, ActivityPhoto, SignUp
from activities.permissions import activity_policy
from activities.services.base import BatchResult, lock_activity, taken
from activities.services.hours import propose_attended
from activities.services.signups import _fill_free_places, settle_lapsed_offers
from members.images import ProcessedImage
from members.services import member_email
from volunteer_portal.audit import audited_save, history_user
from volunteer_portal.mail import email_batch


@transaction.atomic
def activity_save(*, actor, activity: Activity, themes=None, skills=None, cover=None) -> Activity:
    """Create or change an activity (the form has set its fields); more places fill the
    waiting list at once."""
    activity_policy.require(actor, "manage", activity)
    now = timezone.now()
    if activity.pk:
        # The form read the row before this lock; a publish or cancel made meanwhile wins.
        locked = lock_activity(activity)
        activity.status = locked.status
        moved = {
            name: _("An activity that has started keeps its times: hours are counted from them.")
            for name in ("starts_at", "ends_at")
            if getattr(activity, name) != getattr(locked, name)
        }
        if moved and not locked.times_editable(now):
            raise ValidationError(moved, code="started")
        settle_lapsed_offers(locked, now)
        holding = taken(activity, now)
        if activity.capacity is not None and activity.capacity < holding:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(n)s people already hold a place; remove some before lowering the "
                        "number of places."
                    )
                    % {"n": holding}
                }
            )
    else:
        activity.created_by = history_user(actor)
    if cover is not None:
        activity.cover.save(cover.name, cover, save=False)
    audited_save(activity, actor=actor, event=ActivityEvent.SAVED, clean=True)
    if themes is not None:
        activity.themes.set(themes)
    if skills is not None:
        activity.skills_wanted.set(skills)
    if activity.status == Activity.Status.PUBLISHED:
        _fill_free_places(activity, now)
    return activity


@transaction.atomic
def activity_publish(*, actor, activity: Activity) -> Activity:
    activity_policy.require(actor, "manage", activity)
    activity = lock_activity(activity)
    if not activity.publishable:
        raise ValidationError(_("Only a draft can be published."), code="not_draft")
    activity.status = Activity.Status.PUBLISHED
    return audited_save(activity, actor=actor, event=ActivityEvent.PUBLISHED)


@transaction.atomic
def activity_cancel(
    *, actor, activity: Activity, reason: str = "", as_system: bool = False
) -> Activity:
    """Cancel; everyone signed up or waiting is emailed. ``as_system``: no one's decision
    but the system's (a service request its requester withdrew), recorded without an actor."""
    if not as_system:
        activity_policy.require(actor, "manage", activity)
    activity = lock_activity(activity)
    if not activity.cancellable:
        raise ValidationError(_("This activity can no longer be cancelled."), code="ended")
    activity.status = Activity.Status.CANCELLED
    audited_save(activity, actor=actor, event=ActivityEvent.CANCELLED)
    with email_batch():
        live = SignUp.objects.live().filter(activity=activity).select_related("member__user")
        for signup in live:
            member_email(
                signup.member, "activity_cancelled", {"activity": activity, "reason": reason}
            )
    return activity


@transaction.atomic
def activity_complete(
    *, actor, activity: Activity, beneficiaries: int | None, report: str
) -> BatchResult:
    """After the event: people served and a short report; proposes hours for everyone
    marked present (the actor's own row is left for another coordinator or an admin).

    Returns what the hours proposal did, so the page can say what was left out.
    """
    activity_policy.require(actor, "manage", activity)
    activity = lock_activity(activity)
    if not activity.completable():
        raise ValidationError(
            _("Only a published activity that has started can be completed."), code="not_started"
        )
    activity.status = Activity.Status.COMPLETED
    activity.beneficiaries, activity.report = beneficiaries, report
    audited_save(activity, actor=actor, event=ActivityEvent.COMPLETED)
    return propose_attended(actor, activity)


@transaction.atomic
def activity_copy(*, actor, activity: Activity) -> Activity:
    """A new draft with the same details, to repeat an activity (dates to be set)."""
    activity_policy.require(actor, "copy", activity)
    copy = Activity.objects.get(pk=activity.pk)
    copy.pk = None
    copy.status = Activity.Status.DRAFT
    suffix = _("%(title)s (copy)") % {"title": ""}
    copy.title = _("%(title)s (copy)") % {"title": activity.title[: 200 - len(suffix)]}
    copy.beneficiaries, copy.report = None, ""
    copy.created_by = history_user(actor)
    audited_save(copy, actor=actor, event=ActivityEvent.COPIED)
    copy.themes.set(activity.themes.all())
    copy.skills_wanted.set(activity.skills_wanted.all())
    return copy


@transaction.atomic
def activity_add_photos(
    *, actor, activity: Activity, photos: list[ProcessedImage], caption: str = ""
) -> list[ActivityPhoto]:
    activity_policy.require(actor, "manage", activity)
    saved = []
    for processed in photos:
        photo = ActivityPhoto(activity=activity, caption=caption, uploaded_by=history_user(actor))
        photo.image.save(processed.image.name, processed.image, save=False)
        photo.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
        photo.save()
        saved.append(photo)
    return saved
