"""The umbrella organisation, its service groups, leader terms and memberships."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from volunteer_portal.audit import events


def _pick_language(zh: str, en: str) -> str:
    """The text for the active language, falling back to the other one when empty."""
    if (get_language() or "zh-hans").startswith("zh"):
        return zh or en
    return en or zh


class Organisation(models.Model):
    """The umbrella body. Exactly one row (id 1), created by a data migration.

    Its official Chinese name is still to be confirmed by the customer, so it is data
    that admins correct in Django admin, not a string in a template.
    """

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="organisation_single_row"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick_language(self.name_zh, self.name_en)

    @property
    def intro(self) -> str:
        return _pick_language(self.intro_zh, self.intro_en)

    CACHE_KEY = "organisation"

    @classmethod
    def current(cls) -> Organisation | None:
        """The one row, kept in the default cache for ``QUERY_CACHE_SECONDS`` (every page's
        footer names it), or None before the data migration. Saving or deleting it drops
        the cached copy (connected in ``groups.apps``)."""
        if settings.QUERY_CACHE_SECONDS <= 0:  # off (the tests: each page as it queries)
            return cls.objects.filter(pk=1).first()
        found = cache.get(cls.CACHE_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or False
            cache.set(cls.CACHE_KEY, found, settings.QUERY_CACHE_SECONDS)
        return found or None

    @classmethod
    def forget(cls, raw=False, **kwargs) -> None:
        """post_save and post_delete: drop the cached copy now and again after the commit
        (in between, this transaction's own pages may have cached what it saved)."""
        if not raw:
            cache.delete(cls.CACHE_KEY)
            transaction.on_commit(lambda: cache.delete(cls.CACHE_KEY))


class ServiceGroupQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class ServiceGroup(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    mission_zh = models.TextField(_("mission (Chinese)"), blank=True)
    mission_en = models.TextField(_("mission (English)"), blank=True)
    emblem = models.ImageField(
        _("emblem"),
        upload_to="groups/emblems/",
        blank=True,
        help_text=_("A square PNG or JPEG image works best."),
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive groups are hidden from the public pages."),
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    objects = ServiceGroupQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["display_order"])

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["display_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(name_zh=""), name="service_group_has_a_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick_language(self.name_zh, self.name_en)

    @property
    def mission(self) -> str:
        return _pick_language(self.mission_zh, self.mission_en)

    @property
    def initial(self) -> str:
        """One character for the emblem placeholder when no image is uploaded."""
        return (self.name or "?")[:1].upper()


def running_on(on: datetime.date | None = None) -> Q:
    """The rule for a current term: started, and not yet ended (end dates inclusive)."""
    on = on or timezone.localdate()
    return Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on))


class LeaderAssignmentQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Terms running on the given day (today by default)."""
        return self.filter(running_on(on))

    def with_is_current(self, on: datetime.date | None = None):
        return self.annotate(
            is_current=models.Case(
                models.When(running_on(on), then=models.Value(True)),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )

    def past(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(end_date__lt=on)


OVERLAPPING_HEAD_MESSAGE = _(
    "These dates overlap the head term of %(name)s (%(start)s – %(end)s). "
    "A group has one head at a time."
)


class LeaderAssignment(models.Model):
    """A member's term in a leading role of a group. Past terms are kept as history."""

    class Role(models.TextChoices):
        HEAD = "head", _("Head")
        DEPUTY = "deputy", _("Deputy head")
        COORDINATOR = "coordinator", _("Coordinator")

    group = models.ForeignKey(
        ServiceGroup,
        verbose_name=_("service group"),
        on_delete=models.CASCADE,
        related_name="leader_assignments",
    )
    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="leader_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Last day of the term. Leave empty while the term runs."),
    )

    objects = LeaderAssignmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leader assignment")
        verbose_name_plural = _("leader assignments")
        ordering = ["group", "-start_date", "pk"]
        indexes = [models.Index(fields=["group", "role", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="leader_term_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            # One open-ended head term per group on every database. On PostgreSQL a
            # further exclusion constraint (migration 0002) forbids any two head terms
            # of a group that overlap in time.
            models.UniqueConstraint(
                fields=["group", "member", "role"],
                condition=Q(end_date__isnull=True),
                name="one_open_term_per_member_role_and_group",
                violation_error_message=_("This member already holds this role in this group."),
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(role="head", end_date__isnull=True),
                name="one_open_head_term_per_group",
                violation_error_message=_("This group already has a head without an end date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_role_display()} · {self.group}"

    def overlaps(self, other: LeaderAssignment) -> bool:
        far = datetime.date.max
        return self.start_date <= (other.end_date or far) and other.start_date <= (
            self.end_date or far
        )

    def term_params(self) -> dict:
        return {
            "name": self.member.full_name if self.member_id else "?",
            "start": self.start_date,
            "end": self.end_date or _("present"),
        }

    @property
    def is_checkable_head_term(self) -> bool:
        return bool(
            self.role == self.Role.HEAD
            and self.start_date
            and not (self.end_date and self.end_date < self.start_date)
        )

    # Set by a form set that checks a group's terms together (admin inline), so that a
    # handover (end the old head, add the new one) validates as one change.
    checked_with_siblings = False

    def clean(self) -> None:
        super().clean()
        if self.checked_with_siblings or not self.is_checkable_head_term or not self.group_id:
            return
        others = LeaderAssignment.objects.filter(group_id=self.group_id, role=self.Role.HEAD)
        if self.pk:
            others = others.exclude(pk=self.pk)
        for other in others.select_related("member"):
            if self.overlaps(other):
                raise ValidationError(
                    OVERLAPPING_HEAD_MESSAGE, code="overlapping_head", params=other.term_params()
                )


class MembershipQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=Membership.LIVE_STATUSES)

    def active(self):
        return self.filter(status=Membership.Status.ACTIVE)

    def pending(self):
        return self.filter(status=Membership.Status.APPLIED)


class Membership(models.Model):
    """A member's place in a group. The joining workflow builds on these states."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ACTIVE = "active", _("Active")
        REJECTED = "rejected", _("Rejected")
        LEFT = "left", _("Left")

    LIVE_STATUSES = (Status.APPLIED, Status.ACTIVE)

    member = models.ForeignKey(
        "members.Member",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    group = models.ForeignKey(
        ServiceGroup,
        verbose_name=_("service group"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLIED
    )
    motivation = models.TextField(_("motivation"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["group", "member"]
        indexes = [models.Index(fields=["group", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="rejected_membership_has_reason",
                violation_error_message=_("Give a reason when rejecting an application."),
            ),
            models.UniqueConstraint(
                fields=["member", "group"],
                condition=Q(status__in=["applied", "active"]),
                name="one_live_membership_per_member_and_group",
                violation_error_message=_(
                    "This member already has an application or membership in this group."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.group} · {self.get_status_display()}"

    @property
    def is_live(self) -> bool:
        """Applied or active: the membership has not ended."""
        return self.status in self.LIVE_STATUSES


@events("groups.Membership")
class MembershipEvent(models.TextChoices):
    APPLIED = "applied", _("applied")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    LEFT = "left", _("left the group")
    ADDED = "added to group", _("added to the group by a coordinator")
    IMPORTED = "import", _("imported")


@events("groups.ServiceGroup")
class GroupEvent(models.TextChoices):
    PROFILE_CHANGED = "profile changed", _("profile changed")


class RosterJob(models.Model):
    """Roster work done in the background (``groups.jobs``): an export of many rows, or
    the check and the import of a large file. The roster page hands it over and shows its
    progress; the person who asked gets the file or the preview when it is done. Finished
    jobs (their files too) are removed after ``IMPORT_SPOOL_MAX_AGE_HOURS``."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("roster export")
        PREVIEW = "preview", _("check of an import")
        IMPORT = "import", _("import")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("in progress")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    FINISHED = (Status.DONE, Status.FAILED)

    # Unguessable, as it is in the page's address (the page also checks who asks).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(
        ServiceGroup, on_delete=models.CASCADE, related_name="roster_jobs", verbose_name=_("group")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roster_jobs",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # What to do: the roster's filters and the format (export); the spooled file's token
    # and name, whether to invite (import). The language its messages are written in.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # What came of it: the file's token (export), the preview's report, the counts.
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster job")
        verbose_name_plural = _("roster jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "group", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.group} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
