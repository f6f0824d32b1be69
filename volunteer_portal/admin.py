from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from volunteer_portal.mail import deliver
from volunteer_portal.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only and without the bodies: what was sent, what waits and why.
    Administrators may try again an email given up on, once the mail server is fixed."""

    list_display = (
        "created_at",
        "recipient",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    list_filter = ("status",)
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    # Never the body: it may hold a password-reset or invitation link.
    fields = readonly_fields = [
        "recipient",
        "subject",
        "from_email",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    ]
    actions = ["retry"]

    def has_retry_permission(self, request):
        return request.user.has_perm("volunteer_portal.change_outgoingemail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try sending again now"), permissions=["retry"])
    def retry(self, request, queryset):
        ids = list(queryset.exclude(status=OutgoingEmail.Status.SENT).values_list("pk", flat=True))
        OutgoingEmail.objects.filter(pk__in=ids).update(
            status=OutgoingEmail.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        sent, failed = deliver(ids=ids, budget=10)
        messages.info(
            request,
            _(
                "Sent %(sent)d; %(failed)d failed (see the last error); %(waiting)d wait for "
                "the next run of send_outbox."
            )
            % {"sent": sent, "failed": failed, "waiting": len(ids) - sent - failed},
        )


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class UnlockingAccessAttemptAdmin(AccessAttemptAdmin):
    """django-axes' list of failed logins, with an action that says what deleting does:
    unlocking the account at once (members.lockout)."""

    actions = ["unlock", "cleanup_expired_attempts"]

    @admin.action(description=_("Unlock these accounts now"), permissions=["delete"])
    def unlock(self, request, queryset):
        count = queryset.count()
        queryset.delete()
        messages.success(
            request,
            ngettext(
                "%(count)d account can log in again.",
                "%(count)d accounts can log in again.",
                count,
            )
            % {"count": count},
        )
