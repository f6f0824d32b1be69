from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from groups.models import LeaderAssignment, Membership, Organisation, ServiceGroup


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en")

    def has_add_permission(self, request):
        return not Organisation.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class LeaderAssignmentFormSet(BaseInlineFormSet):
    """Head terms entered together must not overlap each other either.

    Each form's model validation compares against saved rows; this compares the rows
    of one submission, so the database constraint never turns into a 500.
    """

    def clean(self):
        super().clean()
        heads = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            if data.get("role") == LeaderAssignment.Role.HEAD and data.get("start_date"):
                heads.append(form.instance)
        for i, term in enumerate(heads):
            if any(term.overlaps(other) for other in heads[i + 1 :]):
                raise ValidationError(_("Two head terms overlap. A group has one head at a time."))


class LeaderAssignmentInline(admin.TabularInline):
    model = LeaderAssignment
    formset = LeaderAssignmentFormSet
    extra = 0
    autocomplete_fields = ("member",)
    fields = ("member", "role", "start_date", "end_date")
    ordering = ("-start_date",)


@admin.register(ServiceGroup)
class ServiceGroupAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "slug", "is_active", "display_order", "founded_on")
    list_editable = ("display_order",)
    list_filter = ("is_active",)
    search_fields = ("name_zh", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    ordering = ("display_order", "pk")
    inlines = [LeaderAssignmentInline]
    fieldsets = (
        (None, {"fields": ("name_zh", "name_en", "slug", "emblem", "founded_on")}),
        (_("Mission"), {"fields": ("mission_zh", "mission_en")}),
        (_("Display"), {"fields": ("is_active", "display_order")}),
    )


@admin.register(LeaderAssignment)
class LeaderAssignmentAdmin(admin.ModelAdmin):
    list_display = ("member", "role", "group", "start_date", "end_date")
    list_filter = ("group", "role", ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("member__full_name", "member__phone", "group__name_zh", "group__name_en")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "group")
    date_hierarchy = "start_date"
    ordering = ("group", "-start_date")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("member", "group", "status", "created_at")
    list_filter = ("status", "group")
    search_fields = ("member__full_name", "member__phone")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "group")
    ordering = ("group", "member__full_name")
