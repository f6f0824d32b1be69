from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from activities import services
from activities.models import (
    Activity,
    ActivityPhoto,
    Brand,
    CalendarFeed,
    Certificate,
    HoursCorrectionRequest,
    ServiceHours,
    SignUp,
    Theme,
)
from volunteer_portal.forms import AdminInlineInputMixin, AdminInputMixin


class NoRevertHistoryAdmin(AdminInputMixin, SimpleHistoryAdmin):
    """Past versions can be read, not restored: restoring one would write a status, a number
    of places or an approval past the services (waiting list, rules, emails)."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Theme)
class ThemeAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("name", "name_en")
    search_fields = ("name", "name_en")


@admin.register(Brand)
class BrandAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("name", "group")
    list_filter = ("group",)
    search_fields = ("name",)
    list_select_related = ("group",)


class PhotoInline(AdminInlineInputMixin, admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    fields = ("image", "caption", "uploaded_by")
    readonly_fields = ("uploaded_by",)


@admin.register(Activity)
class ActivityAdmin(NoRevertHistoryAdmin):
    list_display = ("title", "group", "kind", "starts_at", "capacity", "status")
    list_filter = ("status", "kind", "group", "themes", "district")
    search_fields = ("title", "location")
    date_hierarchy = "starts_at"
    list_select_related = ("group",)
    filter_horizontal = ("themes", "skills_wanted")
    autocomplete_fields = ("brand",)
    inlines = [PhotoInline]
    actions = ["publish_drafts", "cancel_activities"]

    def get_readonly_fields(self, request, obj=None):
        # Status and places change through the services (waiting list, "places >= taken",
        # emails): the portal's edit page and the actions below. New activities are drafts.
        places = () if obj is None else ("capacity",)
        # Once attendance can be recorded the times are fixed, here as on the edit page.
        times = ("starts_at", "ends_at") if obj is not None and not obj.times_editable() else ()
        return (
            "status",
            *places,
            *times,
            "places_and_status",
            "created_by",
            "created_at",
            "updated_at",
        )

    @admin.display(description=_("Places and status"))
    def places_and_status(self, obj):
        text = gettext(
            "Places are changed on the portal's edit page, and the status with the actions "
            "in the activity list (publish, cancel), so the waiting list, the places already "
            "taken and the emails to volunteers are looked after. New activities start as "
            "drafts."
        )
        if obj is None or obj.pk is None:
            return text
        url = reverse("activities:activity-edit", args=[obj.pk])
        return format_html('{} <a href="{}">{}</a>', text, url, gettext("Open the edit page"))

    def _for_each(self, request, queryset, write, summary: str) -> None:
        """Run a service per activity; rows a rule refuses are left out and reported."""
        done, left_out = 0, []
        for activity in queryset.order_by("pk"):
            try:
                write(activity)
            except ValidationError as error:
                left_out.append(f"{activity}: {' '.join(error.messages)}")
            else:
                done += 1
        message = summary % {"done": done, "left": len(left_out)}
        self.message_user(
            request,
            " ".join([message, *left_out]),
            messages.WARNING if left_out else messages.SUCCESS,
        )

    @admin.action(description=_("Publish selected drafts"), permissions=["change"])
    def publish_drafts(self, request, queryset):
        self._for_each(
            request,
            queryset,
            lambda activity: services.activity_publish(actor=request.user, activity=activity),
            gettext("%(done)d published, %(left)d left out."),
        )

    @admin.action(description=_("Cancel selected activities"), permissions=["change"])
    def cancel_activities(self, request, queryset):
        self._for_each(
            request,
            queryset,
            lambda activity: services.activity_cancel(actor=request.user, activity=activity),
            gettext("%(done)d cancelled, %(left)d left out."),
        )


@admin.register(SignUp)
class SignUpAdmin(NoRevertHistoryAdmin):
    list_display = ("member", "activity", "status", "created_at", "attended", "checked_in_at")
    list_filter = ("status", "attended", "activity__group")
    search_fields = ("member__full_name", "member__phone", "activity__title")
    list_select_related = ("member", "activity")
    # Who, where and the status go through the services (capacity, waiting list, emails):
    # moving a sign-up to another activity here would overbook it and skip its queue.
    readonly_fields = (
        "activity", "member", "status", "created_at", "reminder_sent_at", "offer_expires_at",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(ServiceHours)
class ServiceHoursAdmin(NoRevertHistoryAdmin):
    list_display = ("signup", "hours", "status", "is_current", "approved_by", "approved_at")
    list_filter = ("status", "is_current")
    search_fields = ("signup__member__full_name", "signup__activity__title")
    list_select_related = ("signup__member", "signup__activity", "approved_by")

    def has_add_permission(self, request):
        return False  # hours are recorded on the activity's hours page

    def get_readonly_fields(self, request, obj=None):
        # Read-only: hours are set, approved and corrected on the activity's hours page,
        # where nobody records their own and every change is a named event.
        return [f.name for f in self.model._meta.fields]


@admin.register(HoursCorrectionRequest)
class HoursCorrectionRequestAdmin(AdminInputMixin, SimpleHistoryAdmin):
    list_display = ("signup", "requested_hours", "status", "created_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("signup__member", "signup__activity", "decided_by")
    raw_id_fields = ("signup",)
    # Decisions are made on the activity's hours page (correction_decide): they write the
    # corrected hours and email the volunteer, which an edit here would skip.
    readonly_fields = ("signup", "status", "decided_by", "decided_at", "decision_reason")

    def has_add_permission(self, request):
        return False


@admin.register(Certificate)
class CertificateAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("code", "member_name", "total_hours", "issued_at", "superseded_at")
    search_fields = ("code", "member_name")
    # Issued and superseded only by certificate_issue (one current certificate per member).
    readonly_fields = [
        "code", "member", "member_name", "masked_national_id", "total_hours",
        "activities", "issuer", "issued_at", "fingerprint", "supersedes", "superseded_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("member",)
    search_fields = ("member__full_name",)
    readonly_fields = ("member", "token")

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")
