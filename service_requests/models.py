"""Service requests: the public orders a service (群众点单), an administrator dispatches it
to a group (中心派单), the group's volunteers serve it (志愿者接单), and the requester rates
it (群众评单). Which moves are allowed when is the table in ``transitions.py``."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import District, Skill
from members.validators import validate_mobile_phone
from volunteer_portal.audit import events

# No 0/O, 1/I/L: read aloud over the phone, or typed from a photo of the receipt.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def new_tracking_code() -> str:
    """12 characters from 31: about 59 bits, unguessable by trying."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ServiceRequest(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting to be dispatched")
        DISPATCHED = "dispatched", _("Dispatched to a group")
        ACCEPTED = "accepted", _("Accepted by the group")
        IN_SERVICE = "in_service", _("In service")
        COMPLETED = "completed", _("Completed")
        RATED = "rated", _("Rated")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PHONE = "phone", _("Phone call")
        WALK_IN = "walk_in", _("Walk-in")
        EVENT = "event", _("At an event")

    code = models.CharField(
        _("tracking code"), max_length=CODE_LENGTH, unique=True, default=new_tracking_code
    )
    # The requester (personal data: erased some time after closing, see erase_requests).
    requester_name = models.CharField(_("your name"), max_length=100)
    organisation = models.CharField(_("organisation or village"), max_length=200, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, validators=[validate_mobile_phone])
    email = models.EmailField(_("email"), blank=True)
    # What is asked
    district = models.CharField(_("district"), max_length=20, choices=District.choices)
    wanted_group = models.ForeignKey(
        "groups.ServiceGroup",
        verbose_name=_("kind of help"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty if you are not sure: we will find the right group."),
    )
    description = models.TextField(_("what is needed"), max_length=3000)
    preferred_dates = models.CharField(_("preferred dates"), max_length=200, blank=True)
    beneficiaries = models.PositiveIntegerField(
        _("people who would benefit"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Emails to the requester use it.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Dispatching and taking
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    group = models.ForeignKey(
        "groups.ServiceGroup",
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
    )
    volunteers_needed = models.PositiveSmallIntegerField(
        _("volunteers needed"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    skills_needed = models.ManyToManyField(
        Skill, verbose_name=_("skills needed"), blank=True, related_name="+"
    )
    activity = models.OneToOneField(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_request",
        help_text=_("Made when the group accepts: sign-ups, check-in and hours as usual."),
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    withdraw_reason = models.TextField(
        _("reason for withdrawing"),
        blank=True,
        help_text=_("When staff withdraw it for the requester (who called, say)."),
    )
    delivery_notes = models.TextField(_("delivery notes"), blank=True)
    people_served = models.PositiveIntegerField(_("people served"), null=True, blank=True)
    # Evaluation
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("comment"), blank=True, max_length=2000)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Dates
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    last_action_at = models.DateTimeField(_("last action"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[skills_needed])

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "last_action_at"]),
            models.Index(fields=["group", "status"]),
            models.Index(fields=["phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="service_request_rating_1_to_5",
            ),
        ]

    def __str__(self):
        # By number: the tracking code is the requester's key (it withdraws the request),
        # so it stays out of admin titles, history pages and logs.
        return _("Request No. %(number)s") % {"number": self.pk}

    @property
    def rating_deadline(self) -> datetime.date | None:
        """The last day the requester may rate the service: REQUEST_RATING_DAYS after
        completion (then ``close_requests`` closes it unrated)."""
        if self.completed_at is None:
            return None
        last = self.completed_at + datetime.timedelta(days=settings.REQUEST_RATING_DAYS)
        return timezone.localdate(last)

    @property
    def low_rating(self) -> bool:
        """Flagged for the administrators."""
        return self.rating is not None and self.rating <= 2


class GroupIntake(models.Model):
    """Per group: requests of its kind go to it straight away, without waiting for an
    administrator to dispatch them."""

    group = models.OneToOneField(
        "groups.ServiceGroup",
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="intake",
    )
    dispatch_directly = models.BooleanField(
        _("dispatch requests of this kind directly"), default=False
    )

    class Meta:
        verbose_name = _("request intake")
        verbose_name_plural = _("request intake")

    def __str__(self):
        return str(self.group)


class DigestSent(models.Model):
    """One overdue digest to one address on one day: running the command again that day
    sends nothing twice."""

    day = models.DateField(_("day"))
    email = models.EmailField(_("email"))

    class Meta:
        verbose_name = _("overdue digest sent")
        verbose_name_plural = _("overdue digests sent")
        constraints = [
            models.UniqueConstraint(fields=["day", "email"], name="one_digest_a_day_each")
        ]

    def __str__(self):
        return f"{self.day} {self.email}"


@events("service_requests.ServiceRequest")
class RequestEvent(models.TextChoices):
    SUBMITTED = "submitted", _("request received")
    DISPATCHED = "dispatched", _("dispatched to a group")
    ACCEPTED = "accepted", _("accepted by the group")
    DECLINED = "declined", _("declined by the group")
    STARTED = "started", _("service started")
    COMPLETED = "completed", _("completed")
    RATED = "rated", _("rated")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn by the requester")
    ERASED = "erased", _("personal data erased")


class HelpOffer(models.Model):
    """A group member offers, from the board, to take on one of the group's open requests.
    The coordinator confirms by asking them (an offer of a place on its activity)."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        on_delete=models.CASCADE,
        related_name="help_offers",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="help_offers",
    )
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offer to help")
        verbose_name_plural = _("offers to help")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "member"], name="one_help_offer_each")
        ]

    def __str__(self):
        return f"{self.member} → {self.request}"
