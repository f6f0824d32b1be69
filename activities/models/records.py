"""What the volunteer takes away: certificates and a personal calendar address."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12


def new_certificate_code() -> str:
    # No 0/O, 1/I: read aloud and typed.
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Certificate(models.Model):
    """A service record certificate: a frozen copy of what it certified, with a code that
    anyone can check. It holds only what the printed certificate shows.

    A member has one current certificate. Asking again while the record behind it is
    unchanged (``fingerprint``) gives the same one; once it changes, a new certificate
    ``supersedes`` the old, which stays verifiable and says when it was superseded.
    """

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
    fingerprint = models.CharField(
        _("fingerprint of the record"),
        max_length=64,
        blank=True,
        help_text=_("Of the approved hours and facts it certifies: unchanged, it is reused."),
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_certificate_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.member_name}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @staticmethod
    def normalise_code(text: str) -> str | None:
        """A code as typed ("abcd efgh-jkmn") in its stored form, or ``None`` when it
        cannot be one (wrong length or characters never used in codes)."""
        code = "".join(str(text or "").split()).replace("-", "").upper()
        if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
            return None
        return code


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
