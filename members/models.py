"""People: login accounts and member records.

The account (``User``) is how someone logs in; the ``Member`` is the person in the
talent database. Not every member has an account (a coordinator may record someone met
at an event), and an account without a member record is simply a visitor who has not
completed a profile yet.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.validators import validate_mobile_phone


class User(AbstractUser):
    """The login account. Custom from the first migration so it can grow later."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("account")
        verbose_name_plural = _("accounts")


class Member(models.Model):
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(
        _("mobile phone"),
        max_length=11,
        blank=True,
        validators=[validate_mobile_phone],
        help_text=_("11 digits starting with 1."),
    )
    email = models.EmailField(_("email"), blank=True)
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

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="member_unique_phone",
                violation_error_message=_("Another member already has this mobile phone."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def masked_phone(self) -> str:
        """The phone as lists show it to people who do not need it: 138****5678."""
        if len(self.phone) != 11:
            return self.phone
        return f"{self.phone[:3]}****{self.phone[-4:]}"
