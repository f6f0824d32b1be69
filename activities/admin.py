from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en")
    search_fields = ("name", "name_en")


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "group")
    list_filter = ("group",)
    search_fields = ("name",)
    list_select_related = ("group",)


class PhotoInline(admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    fields = ("image", "caption", "uploaded_by")
    readonly_fields = ("uploaded_by",)


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ("title", "group", "kind", "starts_at", "capacity", "status")
    list_filter = ("status", "kind", "group", "themes", "district")
    search_fields = ("title", "location")
    date_hierarchy = "starts_at"
    list_select_related = ("group",)
    filter_horizontal = ("themes", "skills_wanted")
    autocomplete_fields = ("brand",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = [PhotoInline]


@admin.register(SignUp)
class SignUpAdmin(SimpleHistoryAdmin):
    list_display = ("member", "activity", "status", "created_at", "attended", "checked_in_at")
    list_filter = ("status", "attended", "activity__group")
    search_fields = ("member__full_name", "member__phone", "activity__title")
    list_select_related = ("member", "activity")
    autocomplete_fields = ("member",)
    raw_id_fields = ("activity",)
    # Status changes go through the services (capacity, waiting list, emails).
    readonly_fields = ("status", "created_at", "reminder_sent_at", "offer_expires_at")

    def has_add_permission(self, request):
        return False


@admin.register(ServiceHours)
class ServiceHoursAdmin(SimpleHistoryAdmin):
    list_display = ("signup", "hours", "status", "is_current", "approved_by", "approved_at")
    list_filter = ("status", "is_current")
    search_fields = ("signup__member__full_name", "signup__activity__title")
    list_select_related = ("signup__member", "signup__activity", "approved_by")
    raw_id_fields = ("signup", "supersedes")

    def get_readonly_fields(self, request, obj=None):
        # Approved hours are locked; corrections are new entries (made on the hours page).
        if obj is not None and obj.status == ServiceHours.Status.APPROVED:
            return [f.name for f in self.model._meta.fields]
        return ["approved_by", "approved_at", "recorded_by"]


@admin.register(HoursCorrectionRequest)
class HoursCorrectionRequestAdmin(SimpleHistoryAdmin):
    list_display = ("signup", "requested_hours", "status", "created_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("signup__member", "signup__activity", "decided_by")
    raw_id_fields = ("signup",)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "member_name", "total_hours", "issued_at")
    search_fields = ("code", "member_name")
    readonly_fields = [
        "code", "member", "member_name", "masked_national_id", "total_hours",
        "activities", "issuer", "issued_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("member",)
    search_fields = ("member__full_name",)
    readonly_fields = ("member", "token")

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member")
