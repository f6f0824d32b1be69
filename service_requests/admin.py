from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from activities.admin import NoRevertHistoryAdmin
from members.validators import mask_phone
from service_requests import queues
from service_requests.models import GroupIntake, ServiceRequest
from service_requests.permissions import request_policy
from volunteer_portal.forms import AdminInputMixin

CONTACT = ("phone", "email")


@admin.register(GroupIntake)
class GroupIntakeAdmin(AdminInputMixin, admin.ModelAdmin):
    """Which groups take requests of their kind directly, without triage."""

    list_display = ("group", "dispatch_directly")
    list_editable = ("dispatch_directly",)


class MaskedContactHistory(HistoricalRecordContextHelper):
    """The history list's "old -> new" with the phone and email masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "phone":
            return mask_phone(value or "")
        if change.field == "email":
            return queues.masked_email(value or "")
        return super().prepare_delta_change_value(change, value)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(NoRevertHistoryAdmin):
    """Service requests, to look things up. Every move (dispatch, accept...) goes through
    the portal's request page, where the services check the rules and tell the people
    concerned; here only the requester's own details can be corrected. The tracking code is
    the requester's key and is not shown. The phone and email follow the portal's rule
    (``request_policy.can_see_contact``): masked for staff allowed only to view requests."""

    list_display = (
        "number", "created_at", "status", "group", "wanted_group", "district", "channel",
        "requester_name", "contact_phone", "rating",
    )  # fmt: skip
    list_display_links = ("number", "created_at")
    list_filter = ("status", "group", "wanted_group", "district", "channel", "rating")
    list_select_related = ("group", "wanted_group")
    date_hierarchy = "created_at"
    fieldsets = (
        (_("Requester"), {"fields": ("requester_name", "organisation", "phone", "email",
                                     "language")}),
        (_("What is needed"), {"fields": ("district", "wanted_group", "description",
                                          "preferred_dates", "beneficiaries", "channel",
                                          "entered_by")}),
        (_("Dispatching and taking"), {"fields": ("status", "group", "volunteers_needed",
                                                  "skills_needed", "activity", "decline_reason",
                                                  "withdraw_reason", "delivery_notes",
                                                  "people_served")}),
        (_("Evaluation"), {"fields": ("rating", "rating_comment", "rated_at")}),
        (_("Dates"), {"fields": ("created_at", "last_action_at", "completed_at", "closed_at",
                                 "erased_at")}),
    )  # fmt: skip
    # The requester's details may be corrected; the rest moves only through the services.
    editable = ("requester_name", "organisation", "phone", "email", "description",
                "preferred_dates", "beneficiaries")  # fmt: skip

    def has_add_permission(self, request):
        return False  # entered through the portal's forms, which run the intake rules

    @admin.display(description=_("No."), ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description=_("mobile phone"))
    def contact_phone(self, obj):
        shown = getattr(obj, "contact_shown", None)
        return queues.contact_of(obj, bool(shown))["phone"]

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("email"))
    def masked_email(self, obj):
        return queues.masked_email(obj.email) or None

    def get_search_fields(self, request):
        fields = ["requester_name", "organisation", "description"]
        if self.has_change_permission(request):  # who sees every phone (can_see_contact)
            fields += ["=phone", "email"]  # finding a request by its phone reveals it
        return fields

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        visible = request_policy.contact_visible(request.user, rows)
        for row in rows:
            row.contact_shown = row.pk in visible
        return changelist

    def _masks_contact(self, request, obj) -> bool:
        return obj is not None and not request_policy.can_see_contact(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._masks_contact(request, obj):
            return fieldsets
        swap = {"phone": "masked_phone", "email": "masked_email"}
        return [
            (name, {**options, "fields": [swap.get(f, f) for f in options["fields"]]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        every = flatten_fieldsets(self.get_fieldsets(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            return every
        return [name for name in every if name not in self.editable]

    def get_historical_record_context_helper(self, request, historical_record):
        if self._masks_contact(request, historical_record.instance):
            return MaskedContactHistory(self.model, historical_record)
        return super().get_historical_record_context_helper(request, historical_record)
