"""The outbox: every email the portal sends is first a row here, written in the same
transaction as the action it tells about, and sent after the response (volunteer_portal.mail)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Given up")

    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    from_email = models.CharField(_("from"), max_length=254)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    # A sender holds a row while it talks to the mail server, so two senders (the end of a
    # request and the cron command) never send the same email twice.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"
