from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from volunteer_portal.models import OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was sent, what waits and why. An email given up on can
    be tried again once the mail server is fixed."""

    list_display = ("created_at", "recipient", "subject", "status", "attempts", "sent_at")
    list_filter = ("status",)
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try sending again now"), permissions=["view"])
    def retry(self, request, queryset):
        count = queryset.exclude(status=OutgoingEmail.Status.SENT).update(
            status=OutgoingEmail.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        messages.success(
            request,
            ngettext(
                "%(count)d email will be sent by the next run of send_outbox.",
                "%(count)d emails will be sent by the next run of send_outbox.",
                count,
            )
            % {"count": count},
        )
