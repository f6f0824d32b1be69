"""People: login accounts, member records (the talent database) and skills.

The account (``User``) is how someone logs in; the ``Member`` is the person in the
talent database. Not every member has an account (a coordinator may record someone met
at an event), and an account without a member record is a visitor who has not
completed a profile yet.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.validators import (
    MOBILE_PHONE_PATTERN,
    NATIONAL_ID_PATTERN,
    mask_middle,
    mask_phone,
    validate_mobile_phone,
    validate_national_id,
)
from volunteer_portal.audit import events


class User(AbstractUser):
    """The login account. Custom from the first migration so it can grow later."""

    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language of the portal's pages and emails for this person; "
            "empty: the portal's default. Set by the language switcher."
        ),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("account")
        verbose_name_plural = _("accounts")


class BilingualName(models.Model):
    """A short admin-kept label in Chinese, with an optional English name."""

    name = models.CharField(_("name (Chinese)"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        if not (get_language() or "zh").startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class Skill(BilingualName):
    """An expertise from the admin-kept list (tax law, live-stream selling, ...)."""

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]


class PersonnelCategory(models.TextChoices):
    """The four categories of the new social strata, plus other (docs/DOMAIN.md)."""

    ENTERPRISE = "enterprise", _("Management or technical staff of a private or foreign enterprise")
    INTERMEDIARY = "intermediary", _("Staff of an intermediary or social organisation")
    FREELANCER = "freelancer", _("Freelancer")
    NEW_MEDIA = "new_media", _("New-media practitioner")
    OTHER = "other", _("Other")


class PoliticalStatus(models.TextChoices):
    CPC = "cpc", _("CPC member")
    CPC_PROBATIONARY = "cpc_probationary", _("Probationary CPC member")
    YOUTH_LEAGUE = "youth_league", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Member of a democratic party")
    NON_PARTY = "non_party", _("Non-party personage")
    CITIZEN = "citizen", _("Ordinary citizen")


class Education(models.TextChoices):
    JUNIOR_HIGH = "junior_high", _("Junior high school or below")
    HIGH_SCHOOL = "high_school", _("Senior high or vocational school")
    ASSOCIATE = "associate", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class District(models.TextChoices):
    """Zhangzhou's districts and counties."""

    XIANGCHENG = "xiangcheng", _("Xiangcheng District")
    LONGWEN = "longwen", _("Longwen District")
    LONGHAI = "longhai", _("Longhai District")
    CHANGTAI = "changtai", _("Changtai District")
    YUNXIAO = "yunxiao", _("Yunxiao County")
    ZHANGPU = "zhangpu", _("Zhangpu County")
    ZHAOAN = "zhaoan", _("Zhao'an County")
    DONGSHAN = "dongshan", _("Dongshan County")
    NANJING = "nanjing", _("Nanjing County")
    PINGHE = "pinghe", _("Pinghe County")
    HUAAN = "huaan", _("Hua'an County")


class Industry(models.TextChoices):
    """The sections of China's industry classification (GB/T 4754-2017)."""

    AGRICULTURE = "agriculture", _("Agriculture, forestry, animal husbandry and fishery")
    MINING = "mining", _("Mining")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    UTILITIES = "utilities", _("Electricity, heat, gas and water")
    CONSTRUCTION = "construction", _("Construction")
    TRADE = "trade", _("Wholesale and retail trade")
    LOGISTICS = "logistics", _("Transport, storage and post")
    HOSPITALITY = "hospitality", _("Accommodation and catering")
    IT = "it", _("Information transmission, software and IT services")
    FINANCE = "finance", _("Finance")
    REAL_ESTATE = "real_estate", _("Real estate")
    BUSINESS_SERVICES = "business_services", _("Leasing and business services")
    RESEARCH = "research", _("Scientific research and technical services")
    ENVIRONMENT = "environment", _("Water, environment and public facilities")
    RESIDENT_SERVICES = "resident_services", _("Resident, repair and other services")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health and social work")
    CULTURE = "culture", _("Culture, sports and entertainment")
    PUBLIC_ADMINISTRATION = "public_admin", _("Public administration and social organisations")
    INTERNATIONAL = "international", _("International organisations")


class MemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Member.Status.ACTIVE)


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive (left or suspended)")

    full_name = models.CharField(_("full name"), max_length=100, db_index=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    birth_date = models.DateField(
        _("date of birth"), null=True, blank=True, help_text=_("Optional; the year is enough.")
    )
    phone = models.CharField(
        _("mobile phone"),
        max_length=11,
        blank=True,
        validators=[validate_mobile_phone],
        help_text=_("11 digits starting with 1."),
    )
    email = models.EmailField(_("email"), blank=True)
    national_id = models.CharField(
        _("identity number"),
        max_length=18,
        blank=True,
        validators=[validate_national_id],
        help_text=_("Optional. Shown masked to everyone but administrators and yourself."),
    )
    personnel_category = models.CharField(
        _("personnel category"), max_length=20, choices=PersonnelCategory.choices, blank=True
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    skills = models.ManyToManyField(
        Skill, verbose_name=_("skills"), blank=True, related_name="members"
    )
    qualifications = models.TextField(
        _("professional qualifications"),
        blank=True,
        help_text=_("Certificates and titles, e.g. certified public accountant, lawyer."),
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    district = models.CharField(
        _("district"),
        max_length=20,
        choices=District.choices,
        blank=True,
        help_text=_("Where in Zhangzhou you can serve."),
    )
    available_weekdays = models.BooleanField(_("available on weekdays"), default=False)
    available_weekends = models.BooleanField(_("available at weekends"), default=False)
    available_evenings = models.BooleanField(_("available in the evenings"), default=False)
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    photo = models.ImageField(_("photo"), upload_to="members/photos/", blank=True)
    photo_thumbnail = models.ImageField(
        _("photo thumbnail"), upload_to="members/thumbnails/", blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "photo_thumbnail"], m2m_fields=[skills]
    )
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["full_name", "pk"]
        indexes = [
            models.Index(fields=["personnel_category"]),
            models.Index(fields=["political_status"]),
            models.Index(fields=["district"]),
            models.Index(fields=["industry"]),
            models.Index(fields=["status"]),
            models.Index(fields=["email"]),
            models.Index(fields=["employer"]),
            # Not unique: a person's own form accepts a number another record holds (to
            # say so would tell anyone who is in the database); the administrators' list
            # of likely duplicates shows such pairs for merging.
            models.Index(fields=["national_id"], name="member_national_id_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="member_unique_phone",
                violation_error_message=_("Another member already has this mobile phone."),
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=MOBILE_PHONE_PATTERN),
                name="member_phone_is_mainland_mobile",
                violation_error_message=_(
                    "Enter a mainland China mobile number: 11 digits starting with 1."
                ),
            ),
            models.CheckConstraint(
                condition=Q(national_id="") | Q(national_id__regex=NATIONAL_ID_PATTERN),
                name="member_national_id_shape",
            ),
            models.CheckConstraint(condition=~Q(full_name=""), name="member_has_a_name"),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="member_birth_year_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def masked_phone(self) -> str:
        """The phone as shown to people who do not need it: 138****5678."""
        return mask_phone(self.phone)

    @property
    def masked_national_id(self) -> str:
        """First 3 and last 4 characters, the rest starred."""
        return mask_middle(self.national_id, 3, 4)

    @property
    def invitable(self) -> bool:
        """May be invited to create an account: active, no account yet, and a mobile phone
        (it becomes the username, as in self sign-up)."""
        return self.user_id is None and self.status == self.Status.ACTIVE and bool(self.phone)

    @property
    def availability(self) -> list[str]:
        labels = (
            (self.available_weekdays, _("weekdays")),
            (self.available_weekends, _("weekends")),
            (self.available_evenings, _("evenings")),
        )
        return [str(label) for flag, label in labels if flag]


class DeletionRequest(models.Model):
    """A member asks for their personal data to be deleted (PIPL). Admins handle it."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="deletion_requests",
    )
    reason = models.TextField(_("reason"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(handled_at__isnull=True),
                name="one_open_deletion_request_per_member",
                violation_error_message=_("A deletion request is already waiting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.requested_at:%Y-%m-%d}"


@events("members.Member")
class MemberEvent(models.TextChoices):
    REGISTERED = "registered", _("registered")
    CREATED = "created", _("record created")
    PROFILE_COMPLETED = "profile completed", _("profile completed")
    PROFILE_CHANGED = "profile changed", _("profile changed")
    DEACTIVATED = "deactivated", _("marked inactive")
    REACTIVATED = "reactivated", _("active again")
    MERGED = "merged", _("a duplicate record was merged into this one")
    MERGED_INTO = "merged into another record", _("merged into another record")
    IMPORTED = "import", _("imported")
    ACCOUNT_FROM_INVITATION = "account from invitation", _("account created from an invitation")


def _invitation_key() -> str:
    return secrets.token_urlsafe(12)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither used nor withdrawn (possibly expired): at most one per member."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)

    def open(self, now: datetime.datetime | None = None):
        """Pending and not expired: the link still works."""
        return self.pending().filter(expires_at__gt=now or timezone.now())

    def for_token(self, token: str) -> "Invitation | None":
        """The invitation a link's token names, whatever its state; ``None`` for a token
        that was tampered with, signed with another key, or names no invitation (any more)."""
        try:
            data = signing.Signer(salt=INVITATION_SALT).unsign_object(token)
        except (signing.BadSignature, ValueError, TypeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("i"), int):
            return None
        return self.filter(pk=data["i"], key=str(data.get("k"))).first()


INVITATION_SALT = "members.invitation"


class Invitation(models.Model):
    """An invitation for a member without an account to create one and take over the record.

    The link carries a signed token naming the invitation (``members.selectors.
    invitation_token``); the row makes it single-use (``used_at``), expiring
    (``expires_at``) and revocable (``revoked_at``: withdrawn, or superseded by a newer
    invitation for the same member).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("by email")
        IN_PERSON = "in_person", _("in person (link or QR code)")

    class RevokedReason(models.TextChoices):
        REVOKED = "revoked", _("withdrawn")
        SUPERSEDED = "superseded", _("replaced by a newer invitation")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        USED = "used", _("used")
        REVOKED = "revoked", _("withdrawn")
        SUPERSEDED = "superseded", _("replaced by a newer invitation")
        EXPIRED = "expired", _("expired")

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="invitations"
    )
    channel = models.CharField(_("sent"), max_length=10, choices=Channel.choices)
    # A random part of the signed token, so a link never outlives its row (a database
    # restored elsewhere reuses ids, not keys).
    key = models.CharField(_("key"), max_length=32, default=_invitation_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("why withdrawn"), max_length=10, choices=RevokedReason.choices, blank=True
    )

    history = HistoricalRecords()
    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation_per_member",
                violation_error_message=_("This member already has a pending invitation."),
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_used_or_revoked_not_both",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoked_reason=""),
                name="invitation_revoked_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.created_at:%Y-%m-%d}"

    def state(self, now: datetime.datetime | None = None) -> str:
        if self.used_at is not None:
            return self.State.USED
        if self.revoked_at is not None:
            if self.revoked_reason == self.RevokedReason.SUPERSEDED:
                return self.State.SUPERSEDED
            return self.State.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.OPEN

    @property
    def is_open(self) -> bool:
        return self.state() == self.State.OPEN

    @property
    def token(self) -> str:
        """The signed token of the link: the same for the same row (the inviter's page can
        show it again); worthless without the SECRET_KEY, and without the row's own key."""
        return signing.Signer(salt=INVITATION_SALT).sign_object({"i": self.pk, "k": self.key})

    @property
    def is_pending(self) -> bool:
        """Not used and not withdrawn (an expired one is still pending: it can be withdrawn)."""
        return self.used_at is None and self.revoked_at is None


@events("members.Invitation")
class InvitationEvent(models.TextChoices):
    CREATED = "created", _("invitation created")
    ACCEPTED = "accepted", _("invitation accepted: account created")
    REVOKED = "revoked", _("invitation withdrawn")
    SUPERSEDED = "superseded", _("invitation replaced by a newer one")
