"""Sign-ups: confirmed, on the waiting list, offered a place; check-in and attendance."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models.activity import Activity
from volunteer_portal.audit import events


class SignUpQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=SignUp.LIVE)

    def waiting_in_order(self):
        return self.filter(status=SignUp.Status.WAITING).order_by("created_at", "pk")


class SignUp(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        OFFERED = "offered", _("Place offered")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Offer lapsed")
        REMOVED = "removed", _("Removed by a coordinator")

    LIVE = (Status.CONFIRMED, Status.WAITING, Status.OFFERED)
    HOLDS_PLACE = (Status.CONFIRMED, Status.OFFERED)

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="signups"
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    objects = SignUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity", "created_at", "pk"]
        indexes = [
            models.Index(fields=["activity", "status", "created_at"]),
            # The dashboard's recent cancellations, without reading every sign-up.
            models.Index(
                fields=["cancelled_at"],
                condition=Q(status="cancelled"),
                name="signup_cancelled_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                condition=Q(status__in=["confirmed", "waiting", "offered"]),
                name="one_live_signup_per_member_and_activity",
                violation_error_message=_("You are already signed up for this activity."),
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="offer_has_an_expiry",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gt=models.F("checked_in_at")),
                name="checkout_after_checkin",
                violation_error_message=_("Check-out must be after check-in."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.activity}"

    @property
    def is_live(self) -> bool:
        return self.status in SignUp.LIVE

    def cancellable(self, now: datetime.datetime | None = None) -> bool:
        """The volunteer may still cancel: live, and the activity has not started."""
        return self.is_live and (now or timezone.now()) < self.activity.starts_at

    def offer_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == SignUp.Status.OFFERED
            and self.offer_expires_at is not None
            and now < self.offer_expires_at
            and self.activity.status == Activity.Status.PUBLISHED
            and now < self.activity.starts_at
        )

    def promotable(self, places_left: int | None, *, clashes: bool) -> bool:
        """A coordinator may move this person up: waiting (with a place free) or offered,
        and not confirmed for another activity at the same time."""
        if self.activity.status != Activity.Status.PUBLISHED or clashes:
            return False
        if self.status == SignUp.Status.OFFERED:
            return True
        return self.status == SignUp.Status.WAITING and (places_left is None or places_left > 0)

    def hours_recordable(self, now: datetime.datetime | None = None) -> bool:
        return self.status == SignUp.Status.CONFIRMED and self.activity.hours_recordable(now)


@events("activities.SignUp")
class SignUpEvent(models.TextChoices):
    SIGNED_UP = "signed up", _("signed up")
    INVITED = "invited", _("asked by a coordinator")
    CANCELLED = "cancelled", _("cancelled")
    OFFERED = "offered", _("place offered")
    OFFER_ACCEPTED = "offer accepted", _("offer accepted")
    OFFER_LAPSED = "offer lapsed", _("offer lapsed")
    PROMOTED = "promoted", _("moved up from the waiting list")
    MOVED_UP_BY_HAND = "moved up by hand", _("moved up by hand")
    REMOVED = "removed", _("removed by a coordinator")
    CHECKED_IN = "checked in by QR code", _("checked in by QR code")
    ATTENDANCE = "attendance", _("attendance recorded")
