from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import TextInput
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from groups import services
from groups.models import LeaderAssignment, Membership, Organisation, RosterJob, ServiceGroup
from members.admin import MemberAdmin
from members.models import Member
from members.selectors import by_name
from volunteer_portal.forms import AdminInlineInputMixin, AdminInputMixin


@admin.register(Organisation)
class OrganisationAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("name_zh", "name_en")

    def has_add_permission(self, request):
        return not Organisation.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class LeaderAssignmentFormSet(BaseInlineFormSet):
    """Checks a group's head terms together, as they will be after this save.

    Each form alone would compare its term with the saved rows, which makes a handover
    (end the current head's term and add the successor in one save) look like an
    overlap. Here the submitted terms are compared with each other and with any saved
    head terms not in the form set; the database constraints stay the final guard.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.checked_with_siblings = True
        return form

    def clean(self):
        super().clean()
        heads, in_formset = [], set()
        for form in self.forms:
            if form.instance.pk:
                in_formset.add(form.instance.pk)
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            if form.instance.is_checkable_head_term:
                heads.append(form.instance)
        if self.instance.pk:
            heads.extend(
                LeaderAssignment.objects.filter(
                    group=self.instance, role=LeaderAssignment.Role.HEAD
                ).exclude(pk__in=in_formset)
            )
        for i, term in enumerate(heads):
            for other in heads[i + 1 :]:
                if term.overlaps(other):
                    raise ValidationError(
                        _(
                            "The head terms of %(first)s and %(second)s overlap. "
                            "A group has one head at a time."
                        ),
                        params={
                            "first": term.member.full_name if term.member_id else "?",
                            "second": other.member.full_name if other.member_id else "?",
                        },
                    )


class LeaderAssignmentInline(AdminInlineInputMixin, admin.TabularInline):
    model = LeaderAssignment
    formset = LeaderAssignmentFormSet
    extra = 0
    autocomplete_fields = ("member",)
    fields = ("member", "role", "start_date", "end_date")
    ordering = ("-start_date",)


@admin.register(ServiceGroup)
class ServiceGroupAdmin(AdminInputMixin, SimpleHistoryAdmin):
    list_display = ("name_zh", "name_en", "slug", "is_active", "display_order", "founded_on")
    list_editable = ("display_order",)
    list_filter = ("is_active",)
    search_fields = ("name_zh", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    ordering = ("display_order", "pk")
    inlines = [LeaderAssignmentInline]
    formfield_overrides = {models.CharField: {"widget": TextInput(attrs={"size": 60})}}
    fieldsets = (
        (None, {"fields": ("name_zh", "name_en", "slug", "emblem", "founded_on")}),
        (_("Mission"), {"fields": ("mission_zh", "mission_en")}),
        (_("Display"), {"fields": ("is_active", "display_order")}),
    )


@admin.register(LeaderAssignment)
class LeaderAssignmentAdmin(AdminInputMixin, SimpleHistoryAdmin):
    list_display = ("member", "role", "group", "start_date", "end_date")
    list_filter = ("group", "role", ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("member__full_name", "member__phone", "group__name_zh", "group__name_en")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "group")
    date_hierarchy = "start_date"
    ordering = ("group", "-start_date")


@admin.register(Membership)
class MembershipAdmin(AdminInputMixin, SimpleHistoryAdmin):
    list_display = ("member", "group", "status", "created_at", "decided_at")
    list_filter = ("status", "group")
    search_fields = ("member__full_name", "member__phone")
    autocomplete_fields = ("member",)
    list_select_related = ("member", "group")
    ordering = ("group", by_name("member__full_name"), "pk")
    readonly_fields = ("created_at", "decided_at", "decided_by", "left_at")
    actions = ["approve"]

    def get_readonly_fields(self, request, obj=None):
        # Status changes go through the services (emails, the one-live-membership rule):
        # the approve action here, or the group's pages.
        if obj is not None:
            return (*self.readonly_fields, "status")
        return self.readonly_fields

    @admin.action(description=_("Approve the selected applications"), permissions=["change"])
    def approve(self, request, queryset):
        try:
            count = services.memberships_approve(
                actor=request.user, membership_ids=list(queryset.values_list("pk", flat=True))
            )
        except PermissionDenied:
            self.message_user(
                request,
                _("Nothing was approved: you may approve only in groups you manage."),
                level=messages.ERROR,
            )
            return
        self.message_user(request, _("%(n)s applications approved.") % {"n": count})


class MembershipInline(AdminInlineInputMixin, admin.TabularInline):
    model = Membership
    fk_name = "member"
    extra = 0
    fields = ("group", "status", "created_at", "decided_at", "rejection_reason")
    # Read-only: status changes go through the services (the approve action, the group's
    # pages); a new membership is added in the memberships admin.
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class MemberLeaderTermInline(AdminInlineInputMixin, admin.TabularInline):
    model = LeaderAssignment
    extra = 0
    fields = ("group", "role", "start_date", "end_date")


# The member admin lives in members/, which knows nothing of groups; the inlines that
# show a member's groups and leader terms are added here, where both are known.
admin.site.unregister(Member)


@admin.register(Member)
class MemberWithGroupsAdmin(MemberAdmin):
    inlines = [MembershipInline, MemberLeaderTermInline]


@admin.register(RosterJob)
class RosterJobAdmin(AdminInputMixin, admin.ModelAdmin):
    """Roster exports and imports done in the background: to see what ran and why one
    failed. They are written by the roster page only, and swept after
    ``IMPORT_SPOOL_MAX_AGE_HOURS``."""

    list_display = ["created_at", "kind", "group", "requested_by", "status", "total"]
    list_filter = ["kind", "status", "group"]
    list_select_related = ["group", "requested_by"]
    date_hierarchy = "created_at"
    # Not the parameters and results: they hold the spool's tokens (the files' keys) and the
    # previews' names; the job's page shows them to the person who asked.
    exclude = ["parameters", "result"]
    readonly_fields = [
        f.name for f in RosterJob._meta.fields if f.name not in {"parameters", "result"}
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
