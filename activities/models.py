"""Activities, sign-ups with waiting lists and offers, check-in, service hours, certificates."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import BilingualName, District
from volunteer_portal.audit import events


class Theme(BilingualName):
    """Rural revitalisation, civilisation creation, ... (admin-editable)."""

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["pk"]


class Brand(models.Model):
    """A named recurring programme of a group, e.g. a monthly tax clinic."""

    group = models.ForeignKey(
        "groups.ServiceGroup",
        verbose_name=_("service group"),
        on_delete=models.CASCADE,
        related_name="brands",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("activity brand")
        verbose_name_plural = _("activity brands")
        ordering = ["group", "name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="brand_name_unique_in_group")
        ]

    def __str__(self) -> str:
        return self.name


class ActivityQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Activity.Status.PUBLISHED)

    def upcoming(self, now: datetime.datetime | None = None):
        return self.published().filter(ends_at__gte=now or timezone.now())

    def with_taken(self, now: datetime.datetime | None = None):
        """Annotate ``taken`` (confirmed sign-ups plus offers still open: they hold a place)
        and ``places_left`` (``None`` when there is no limit).

        An offer past its expiry counts as free even before the periodic job hands it on,
        so no page has to write to show the right figure.
        """
        holds = Q(signups__status=SignUp.Status.CONFIRMED) | Q(
            signups__status=SignUp.Status.OFFERED,
            signups__offer_expires_at__gt=now or timezone.now(),
        )
        return self.annotate(
            taken=models.Count("signups", filter=holds, distinct=True),
        ).annotate(
            places_left=models.Case(
                models.When(capacity__isnull=True, then=models.Value(None)),
                default=Greatest(models.F("capacity") - models.F("taken"), models.Value(0)),
                output_field=models.IntegerField(null=True),
            )
        )


class Activity(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", _("Service")
        TRAINING = "training", _("Training")
        EXCHANGE = "exchange", _("Exchange meeting")
        CEREMONY = "ceremony", _("Ceremony")

    class Eligibility(models.TextChoices):
        PUBLIC = "public", _("All volunteers")
        MEMBERS = "members", _("Members of the group only")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    group = models.ForeignKey(
        "groups.ServiceGroup",
        verbose_name=_("service group"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SERVICE)
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), blank=True)
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("brand"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    description = models.TextField(_("description"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    district = models.CharField(_("district"), max_length=20, choices=District.choices, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    signup_opens_at = models.DateTimeField(
        _("sign-up opens"), null=True, blank=True, help_text=_("Empty: as soon as published.")
    )
    signup_closes_at = models.DateTimeField(
        _("sign-up closes"), null=True, blank=True, help_text=_("Empty: when the activity starts.")
    )
    capacity = models.PositiveIntegerField(
        _("places"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no limit."),
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept an offered place"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Empty: a freed place goes straight to the first on the waiting list. "
            "Set: it is offered to them, and passes on if not accepted in time."
        ),
    )
    skills_wanted = models.ManyToManyField(
        "members.Skill", verbose_name=_("skills wanted"), blank=True
    )
    eligibility = models.CharField(
        _("who may sign up"),
        max_length=10,
        choices=Eligibility.choices,
        default=Eligibility.PUBLIC,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    cover = models.ImageField(_("cover image"), upload_to="activities/covers/", blank=True)
    beneficiaries = models.PositiveIntegerField(_("people served"), null=True, blank=True)
    report = models.TextField(_("report"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["group", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_it_starts",
                violation_error_message=_("The activity must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="activity_capacity_positive",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="activity_has_a_title"),
            models.CheckConstraint(
                condition=Q(signup_closes_at__isnull=True)
                | Q(signup_closes_at__lte=models.F("starts_at")),
                name="activity_signup_closes_by_the_start",
                violation_error_message=_("Sign-up must close by the start."),
            ),
            models.CheckConstraint(
                # Sign-up closes at the start when no closing time is set. Each branch
                # says whether the closing time is set: a comparison with NULL would pass.
                condition=Q(signup_opens_at__isnull=True)
                | Q(
                    signup_closes_at__isnull=False,
                    signup_opens_at__lt=models.F("signup_closes_at"),
                )
                | Q(signup_closes_at__isnull=True, signup_opens_at__lt=models.F("starts_at")),
                name="activity_signup_opens_before_it_closes",
                violation_error_message=_("Sign-up must open before it closes."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:activity-detail", args=[self.pk])

    @property
    def duration_hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))

    @property
    def signup_closes(self) -> datetime.datetime:
        return self.signup_closes_at or self.starts_at

    # The state of the activity decides which lifecycle actions make sense; the policy
    # adds who may take them (activities/permissions.py), the services check both.

    @property
    def publishable(self) -> bool:
        return self.status == Activity.Status.DRAFT

    @property
    def cancellable(self) -> bool:
        return self.status in (Activity.Status.DRAFT, Activity.Status.PUBLISHED)

    def completable(self, now: datetime.datetime | None = None) -> bool:
        """Published and started."""
        return self.status == Activity.Status.PUBLISHED and self.starts_at <= (
            now or timezone.now()
        )

    @property
    def checkin_opens(self) -> datetime.datetime:
        return self.starts_at - datetime.timedelta(minutes=settings.CHECKIN_OPENS_MINUTES_BEFORE)

    def hours_recordable(self, now: datetime.datetime | None = None) -> bool:
        """Attendance and hours once check-in has opened, never for a cancelled activity."""
        return self.status != Activity.Status.CANCELLED and (now or timezone.now()) >= (
            self.checkin_opens
        )


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
        indexes = [models.Index(fields=["activity", "status", "created_at"])]
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

    def promotable(self, places_left: int | None) -> bool:
        """A coordinator may move this person up: waiting (with a place free) or offered."""
        if self.activity.status != Activity.Status.PUBLISHED:
            return False
        if self.status == SignUp.Status.OFFERED:
            return True
        return self.status == SignUp.Status.WAITING and (places_left is None or places_left > 0)

    def hours_recordable(self, now: datetime.datetime | None = None) -> bool:
        return self.status == SignUp.Status.CONFIRMED and self.activity.hours_recordable(now)


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


def new_certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Certificate(models.Model):
    """A service record certificate: a frozen copy of what it certified, with a code that
    anyone can check. It holds only what the printed certificate shows."""

    code = models.CharField(_("verification code"), max_length=12, unique=True)
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    member_name = models.CharField(_("name"), max_length=100)
    masked_national_id = models.CharField(_("identity number (masked)"), max_length=18, blank=True)
    total_hours = models.DecimalField(_("total approved hours"), max_digits=8, decimal_places=2)
    activities = models.JSONField(_("activities"), default=list)
    issuer = models.CharField(_("issued by"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.code} · {self.member_name}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret address of a volunteer's personal calendar feed (regenerable)."""

    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.member)


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to="activities/photos/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="activities/thumbnails/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


# --- Named history events (the reasons written to the audit trail) --------------------------


@events
class ActivityEvent(models.TextChoices):
    SAVED = "saved", _("saved")
    PUBLISHED = "published", _("published")
    CANCELLED = "cancelled", _("cancelled")
    COMPLETED = "completed", _("completed")
    COPIED = "copied", _("copied from another activity")


@events
class SignUpEvent(models.TextChoices):
    SIGNED_UP = "signed up", _("signed up")
    CANCELLED = "cancelled", _("cancelled")
    OFFERED = "offered", _("place offered")
    OFFER_ACCEPTED = "offer accepted", _("offer accepted")
    OFFER_LAPSED = "offer lapsed", _("offer lapsed")
    PROMOTED = "promoted", _("moved up from the waiting list")
    MOVED_UP_BY_HAND = "moved up by hand", _("moved up by hand")
    REMOVED = "removed", _("removed by a coordinator")
    CHECKED_IN = "checked in by QR code", _("checked in by QR code")
    ATTENDANCE = "attendance", _("attendance recorded")


@events
class HoursEvent(models.TextChoices):
    PROPOSED = "proposed", _("hours proposed")
    APPROVED = "approved", _("hours approved")
    SUPERSEDED = "superseded", _("superseded by a correction")
    CORRECTION = "correction", _("correction")
    REQUESTED = "requested", _("correction requested")
    ACCEPTED = "accepted", _("correction accepted")
    REJECTED = "rejected", _("correction rejected")
