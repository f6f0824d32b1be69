import contextlib

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from members import services
from members.models import DeletionRequest, Invitation, Member, Skill, User
from members.permissions import member_policy
from members.resources import MemberResource
from members.selectors import by_name
from members.spool import SpoolStorage
from members.spreadsheets import (
    ImportFileError,
    LimitedCSV,
    LimitedImportForm,
    LimitedXLSX,
    ReadLimits,
)
from members.validators import mask_middle
from volunteer_portal.forms import AdminInputMixin


@admin.register(User)
class UserAdmin(AdminInputMixin, DjangoUserAdmin):
    list_display = ("username", "first_name", "email", "is_staff", "is_active", "last_login")
    list_filter = (*DjangoUserAdmin.list_filter, "language")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Preferences"), {"fields": ("language",)}))


@admin.register(Skill)
class SkillAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("name", "name_en", "member_count")
    search_fields = ("name", "name_en")
    ordering = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, skill):
        return skill.n_members


class MaskedIdentityHistory(HistoricalRecordContextHelper):
    """The history list's "old -> new" with identity numbers masked."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "national_id":
            return mask_middle(value or "", 3, 4)
        return super().prepare_delta_change_value(change, value)


@admin.register(Member)
class MemberAdmin(AdminInputMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    """Members in Django admin.

    Identity numbers follow the portal's rule (``member_policy.sees_full_national_id``):
    in full to superusers, to staff who may change members, and to a member on their own
    record; masked (110***********002X) to staff allowed only to view members: on the
    change page, in the history list and a past version, and in exports. Only those who
    may change members may restore a past version.
    """

    resource_classes = [MemberResource]
    change_list_template = "admin/members/member/change_list.html"
    list_display = ("full_name", "phone", "personnel_category", "employer", "district", "status")
    list_filter = ("status", "personnel_category", "political_status", "district", "industry",
                   "education", "skills")  # fmt: skip
    search_fields = ("full_name", "phone", "email", "employer", "user__username")
    ordering = (by_name(), "pk")  # pinyin order, as on the roster
    autocomplete_fields = ("user",)
    filter_horizontal = ("skills",)
    readonly_fields = ("created_at", "updated_at", "photo_thumbnail")
    list_select_related = ("user",)
    actions = ["deactivate"]
    fieldsets = (
        (None, {"fields": ("full_name", "gender", "birth_year", "birth_date", "phone", "email",
                           "national_id", "status", "user")}),
        (_("Work and background"), {"fields": ("personnel_category", "political_status",
                                               "employer", "job_title", "industry", "education",
                                               "qualifications")}),
        (_("Skills"), {"fields": ("skills",)}),
        (_("Where and when you can serve"), {"fields": ("district", "available_weekdays",
                                                        "available_weekends",
                                                        "available_evenings")}),
        (_("More about you"), {"fields": ("bio", "photo", "photo_thumbnail")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )  # fmt: skip

    # --- Identity numbers: masked unless the viewer may see them -------------------------

    def _masks_national_id(self, request, obj) -> bool:
        return obj is not None and not member_policy.sees_full_national_id(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._masks_national_id(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [
                "masked_national_id" if field == "national_id" else field
                for field in options["fields"]
            ]})
            for name, options in fieldsets
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Everything, as Django's change page does for view-only staff; simple_history's
            # past-version page would otherwise show inputs.
            return flatten_fieldsets(self.get_fieldsets(request, obj))
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("identity number"))
    def masked_national_id(self, member):
        return member.masked_national_id or None  # admin's "-" for empty

    def get_historical_record_context_helper(self, request, historical_record):
        member = historical_record.instance
        if self._masks_national_id(request, member):
            return MaskedIdentityHistory(self.model, historical_record)
        return super().get_historical_record_context_helper(request, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple_history saves a posted past version for anyone who may view history.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            # As the portal's forms do: a link that may have gone to the wrong person (the
            # address or phone changed) or to someone deactivated stops working.
            contact_or_status = {"email", "phone", "status"} & set(form.changed_data)
            if (
                change
                and contact_or_status
                and (contact_or_status != {"status"} or obj.status != Member.Status.ACTIVE)
            ):
                services.invitations_withdraw(actor=request.user, member_ids=[obj.pk])

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {
            "reveal_national_id": member_policy.sees_all_national_ids(request.user),
            "actor": request.user,
        }

    # --- Import: the roster page's limits (members.spreadsheets, members.spool) ----------

    import_formats = [LimitedCSV, LimitedXLSX]
    import_form_class = LimitedImportForm
    tmp_storage_class = SpoolStorage

    def get_import_resource_kwargs(self, request, **kwargs):
        budget = ReadLimits.for_web().budget
        return {**super().get_import_resource_kwargs(request, **kwargs), "budget": budget}

    def add_data_read_fail_error_to_form(self, form, e):
        spooled = getattr(form.cleaned_data.get("import_file"), "tmp_storage_name", None)
        if spooled:  # a refused file has nothing to wait for
            with contextlib.suppress(FileNotFoundError):
                SpoolStorage(name=spooled).remove()
        if isinstance(e, ImportFileError):  # our own message, for the user
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        try:
            return super().import_action(request, **kwargs)
        except ImportFileError as error:  # out of time while checking the rows
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:members_member_import")

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:  # the spooled file expired
            message = _("This import has expired; please upload the file again.")
        except ImportFileError as error:
            message = str(error)
        self.message_user(request, message, messages.ERROR)
        return redirect("admin:members_member_import")

    @admin.action(description=_("Deactivate the selected members"), permissions=["change"])
    def deactivate(self, request, queryset):
        with transaction.atomic():  # all or none; the service locks each row
            for member in queryset:
                services.member_set_status(
                    actor=request.user, member=member, status=Member.Status.INACTIVE
                )
        self.message_user(request, _("%(n)s members deactivated.") % {"n": queryset.count()})

    # --- Likely duplicates and merging ---------------------------------------------------

    def get_urls(self):
        return [
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name="members_member_duplicates",
            ),
            path(
                "merge/<int:keep>/<int:drop>/",
                self.admin_site.admin_view(self.merge_view),
                name="members_member_merge",
            ),
            *super().get_urls(),
        ]

    def duplicates_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Likely duplicate members"),
            "opts": self.model._meta,
            "groups": likely_duplicates(),
        }
        return TemplateResponse(request, "admin/members/member/duplicates.html", context)

    def merge_view(self, request, keep, drop):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        keep_member = get_object_or_404(Member, pk=keep)
        drop_member = get_object_or_404(Member, pk=drop)
        if request.method == "POST":
            try:
                services.member_merge(actor=request.user, keep=keep_member, drop=drop_member)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(drop)s was merged into %(keep)s.")
                    % {"drop": drop_member, "keep": keep_member},
                )
                return redirect(reverse("admin:members_member_change", args=[keep]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge two member records"),
            "opts": self.model._meta,
            "keep": keep_member,
            "drop": drop_member,
        }
        return TemplateResponse(request, "admin/members/member/merge.html", context)


def likely_duplicates(limit: int = 200) -> list["DuplicateGroup"]:
    """Members sharing an identity number, an email, or a name and an employer. Four
    queries in all."""
    shared_ids = (
        Member.objects.exclude(national_id="")
        .values("national_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("national_id", flat=True)[:limit]
    )
    emails = (
        Member.objects.exclude(email="")
        .annotate(key=Lower("email"))
        .values("key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("key", flat=True)[:limit]
    )
    pairs = (
        Member.objects.exclude(employer="")
        .values("full_name", "employer")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("full_name", "employer")[:limit]
    )
    buckets: dict[tuple, list[Member]] = {}
    for member in Member.objects.filter(national_id__in=list(shared_ids)):
        buckets.setdefault(("national_id", member.national_id), []).append(member)
    for member in Member.objects.annotate(key=Lower("email")).filter(key__in=list(emails)):
        buckets.setdefault(("email", member.key), []).append(member)
    pairs = list(pairs)
    if pairs:
        from django.db.models import Q

        condition = Q()
        for name, employer in pairs:
            condition |= Q(full_name=name, employer=employer)
        for member in Member.objects.filter(condition):
            buckets.setdefault(("name", member.full_name, member.employer), []).append(member)
    return [
        DuplicateGroup(sorted(group, key=lambda m: m.pk), reason=_match_reason(key))
        for key, group in buckets.items()
    ]


class DuplicateGroup(list):
    """Members who look like one person, and what they have in common."""

    def __init__(self, members, *, reason: str):
        super().__init__(members)
        self.reason = reason


def _match_reason(key: tuple) -> str:
    kind, *values = key
    if kind == "national_id":
        # the ends only: enough to compare with a paper form, not a number on screen
        return _("The same identity number: %(number)s") % {"number": mask_middle(values[0], 6, 4)}
    if kind == "email":
        return _("The same email: %(email)s") % {"email": values[0]}
    return _("The same name and employer: %(name)s, %(employer)s") % {
        "name": values[0],
        "employer": values[1],
    }


@admin.register(DeletionRequest)
class DeletionRequestAdmin(AdminInputMixin, admin.ModelAdmin):
    list_display = ("member", "requested_at", "handled_at", "handled_by")
    list_filter = (("handled_at", admin.EmptyFieldListFilter),)
    search_fields = ("member__full_name", "member__phone")
    readonly_fields = ("member", "reason", "requested_at", "handled_at", "handled_by")
    list_select_related = ("member", "handled_by")
    actions = ["close"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Mark as handled"), permissions=["change"])
    def close(self, request, queryset):
        for deletion_request in queryset.filter(handled_at__isnull=True):
            services.deletion_request_close(
                actor=request.user,
                request=deletion_request,
                outcome=deletion_request.outcome or str(_("Handled in admin")),
            )
        self.message_user(request, _("Marked as handled."))

    def save_model(self, request, obj, form, change):
        if obj.outcome and obj.handled_at is None:
            services.deletion_request_close(actor=request.user, request=obj, outcome=obj.outcome)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Invitation)
class InvitationAdmin(AdminInputMixin, admin.ModelAdmin):
    """Read-only: invitations are made and withdrawn on the member's page, so that the
    rules (who may invite whom, one pending invitation) hold."""

    list_display = ("member", "channel", "created_by", "created_at", "expires_at", "state")
    list_filter = ("channel", ("used_at", admin.EmptyFieldListFilter), "revoked_reason")
    search_fields = ("member__full_name", "member__phone")
    list_select_related = ("member", "created_by")
    fields = ("member", "channel", "created_by", "created_at", "expires_at", "used_at",
              "revoked_at", "revoked_reason")  # fmt: skip
    readonly_fields = fields
    date_hierarchy = "created_at"

    @admin.display(description=_("state"))
    def state(self, invitation):
        return Invitation.State(invitation.state()).label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
