"""Service hours and the volunteer's requests to correct them (national record rules)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from activities.models.signup import SignUp
from volunteer_portal.audit import events


class ServiceHours(models.Model):
    """Hours recorded for one sign-up. Approved entries are never edited: a correction is a
    new entry that supersedes the old one, so the record shows both (national rules)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for approval")
        APPROVED = "approved", _("Approved")

    signup = models.ForeignKey(
        SignUp, verbose_name=_("sign-up"), on_delete=models.PROTECT, related_name="hours"
    )
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    is_current = models.BooleanField(_("current"), default=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["signup", "-recorded_at"]
        # The dashboards' "hours waiting for approval": a few hundred rows among a year's
        # tens of thousands, found without reading them all.
        indexes = [
            models.Index(
                fields=["signup"],
                condition=Q(is_current=True, status="proposed"),
                name="hours_waiting_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"], condition=Q(is_current=True), name="one_current_hours_entry"
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=240), name="hours_plausible"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="approved_hours_have_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup} · {self.hours} h"

    @property
    def approvable(self) -> bool:
        return self.is_current and self.status == ServiceHours.Status.PROPOSED


class HoursCorrectionRequest(models.Model):
    """A volunteer thinks their recorded hours are wrong and asks the organiser."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    signup = models.ForeignKey(
        SignUp, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="corrections"
    )
    requested_hours = models.DecimalField(
        _("hours asked for"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hours correction request")
        verbose_name_plural = _("hours correction requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"],
                condition=Q(status="open"),
                name="one_open_correction_per_signup",
                violation_error_message=_("A correction request is already open."),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="rejected_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signup} → {self.requested_hours} h"


@events("activities.ServiceHours", "activities.HoursCorrectionRequest")
class HoursEvent(models.TextChoices):
    PROPOSED = "proposed", _("hours proposed")
    APPROVED = "approved", _("hours approved")
    SUPERSEDED = "superseded", _("superseded by a correction")
    CORRECTION = "correction", _("correction")
    REQUESTED = "requested", _("correction requested")
    ACCEPTED = "accepted", _("correction accepted")
    REJECTED = "rejected", _("correction rejected")
