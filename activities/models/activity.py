"""Activities: what a group organises, with its themes, brand, places and photos."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
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


def signups_counted(signups):
    """How many of ``signups`` each activity has, as an annotation: a subquery, so a page
    counts only the rows it keeps (after its ORDER BY ... LIMIT), never every activity
    before the LIMIT as a join and GROUP BY would."""
    counted = (
        signups.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


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

        Counted by ``signups_counted``, only for the rows a page keeps.
        """
        from activities.models.signup import SignUp

        holds = Q(status=SignUp.Status.CONFIRMED) | Q(
            status=SignUp.Status.OFFERED, offer_expires_at__gt=now or timezone.now()
        )
        return self.annotate(taken=signups_counted(SignUp.objects.filter(holds))).annotate(
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
        # A service request's activity: the coordinator asks the volunteers; nobody else
        # sees it (its place is often the requester's home).
        INVITED = "invited", _("Only those the coordinator asks")

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

    def times_editable(self, now: datetime.datetime | None = None) -> bool:
        """Start and end may change until attendance can be recorded (check-in opens):
        from then on hours are counted and approved against them (moving the end earlier
        would let hours be approved before the activity really ended). A draft, such as
        the copy of a past activity, always gets its new dates."""
        if self.pk is None or self.status == Activity.Status.DRAFT:
            return True
        return (now or timezone.now()) < self.checkin_opens

    def hours_approvable(self, now: datetime.datetime | None = None) -> bool:
        """Approving hours (which locks them) waits until the activity has ended: proposing
        them from attendance is fine before, but nobody certifies time not yet served."""
        return self.status != Activity.Status.CANCELLED and (now or timezone.now()) >= (
            self.ends_at
        )


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


@events("activities.Activity")
class ActivityEvent(models.TextChoices):
    SAVED = "saved", _("saved")
    PUBLISHED = "published", _("published")
    CANCELLED = "cancelled", _("cancelled")
    COMPLETED = "completed", _("completed")
    COPIED = "copied", _("copied from another activity")
