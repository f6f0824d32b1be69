"""What the volunteer takes away: certificates and a personal calendar address."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
