import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, UpdateView

from groups import exports, imports, selectors, services
from groups.forms import ApplicationForm, ImportUploadForm, RejectionForm, ServiceGroupProfileForm
from groups.models import Membership, ServiceGroup
from groups.permissions import group_policy, membership_policy
from members.forms import MemberProfileForm
from members.models import Member
from members.selectors import category_counts, member_search
from volunteer_portal.permissions import PolicyMixin, is_admin, policy_required


class GroupListView(ListView):
    template_name = "groups/group_list.html"
    context_object_name = "groups"

    def get_queryset(self):
        return selectors.groups_with_heads(self.request.user)


class GroupDetailView(PolicyMixin, DetailView):
    policy = group_policy
    action = "view"
    lookup = {"slug": "slug"}
    login_required = False
    template_name = "groups/group_detail.html"
    context_object_name = "group"

    def get_policy_queryset(self):
        return group_policy.instances_for(self.request.user).with_member_count()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, group = self.request.user, self.object
        current, past, upcoming = selectors.group_leader_terms(group)
        can_change = group_policy.allows(user, "change", group)
        context.update(
            current_terms=current,
            past_terms=past,
            upcoming_terms=upcoming,
            can_change=can_change,
            my_membership=(
                Membership.objects.live().filter(group=group, member__user=user).first()
                if user.is_authenticated
                else None
            ),
            pending_count=(
                Membership.objects.pending().filter(group=group).count() if can_change else 0
            ),
        )
        return context


class GroupUpdateView(PolicyMixin, UpdateView):
    policy = group_policy
    action = "change"
    lookup = {"slug": "slug"}
    form_class = ServiceGroupProfileForm
    template_name = "groups/group_form.html"
    context_object_name = "group"

    def form_valid(self, form):
        if form.processed_emblem is not None:
            emblem = form.processed_emblem.image
        elif form.cleaned_data.get("remove_emblem"):
            emblem = None
        else:
            emblem = services.KEEP
        try:
            group = services.group_update_profile(
                actor=self.request.user,
                group=self.object,
                mission_zh=form.cleaned_data["mission_zh"],
                mission_en=form.cleaned_data["mission_en"],
                emblem=emblem,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The group profile was saved."))
        return redirect("groups:group-detail", slug=group.slug)


# --- Joining a group -------------------------------------------------------------------


class ApplyView(PolicyMixin, FormView):
    """A volunteer applies to join a group, with a short motivation."""

    policy = group_policy
    action = "view"
    lookup = {"slug": "slug"}
    object_name = "group"
    form_class = ApplicationForm
    template_name = "groups/apply.html"

    def get_member(self):
        return Member.objects.filter(user=self.request.user).first()

    def get(self, request, *args, **kwargs):
        if self.get_member() is None:
            messages.info(request, _("Please complete your profile before applying."))
            return redirect("members:me-edit")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        member = self.get_member()
        if member is None:
            return redirect("members:me-edit")
        try:
            services.membership_apply(
                actor=self.request.user,
                member=member,
                group=self.group,
                motivation=form.cleaned_data["motivation"],
            )
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect("groups:group-detail", slug=self.group.slug)
        messages.success(
            self.request,
            _("Your application was sent. The group's coordinators will reply soon."),
        )
        return redirect("me")


class ManagesGroup(PolicyMixin):
    """Declares: pages for the group's coordinators and admins; ``self.group``."""

    policy = group_policy
    action = "manage"
    lookup = {"slug": "slug"}
    object_name = "group"


MANAGE_GROUP = {"policy": group_policy, "action": "manage", "lookup": {"slug": "slug"}}


class ApplicationListView(ManagesGroup, ListView):
    template_name = "groups/applications.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        return (
            Membership.objects.pending()
            .filter(group=self.group)
            .select_related("member")
            .prefetch_related("member__skills")
            .order_by("created_at", "pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(rejection_form=RejectionForm(), **kwargs)


@require_POST
@policy_required(name="group", **MANAGE_GROUP)
def application_decide(request, group, pk, decision):
    membership = get_object_or_404(
        membership_policy.instances_for(request.user, "manage")
        .filter(group=group)
        .select_related("member", "group"),
        pk=pk,
    )
    try:
        if decision == "approve":
            services.membership_approve(actor=request.user, membership=membership)
            messages.success(
                request, _("%(name)s is now a member.") % {"name": membership.member.full_name}
            )
        else:
            form = RejectionForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a reason when rejecting an application."))
                return redirect("groups:applications", slug=group.slug)
            services.membership_reject(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("The application of %(name)s was rejected.")
                % {"name": membership.member.full_name},
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("groups:applications", slug=group.slug)


def _memberships_to_end(request):
    """Memberships in groups the user sees (someone else's: 403), and the user's own, also
    in a group no longer active (they may still leave it)."""
    return Membership.objects.filter(
        Q(group__in=group_policy.instances_for(request.user)) | Q(member__user=request.user)
    ).select_related("member", "group")


@require_POST
@policy_required(
    membership_policy,
    "handle",
    lookup={"pk": "pk", "group__slug": "slug"},
    queryset=_memberships_to_end,
    name="membership",
)
def membership_end(request, membership):
    """A coordinator marks a member as having left, or a member leaves a group."""
    try:
        services.membership_leave(actor=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s has left %(group)s.")
            % {"name": membership.member.full_name, "group": membership.group.name},
        )
    if membership.member.user_id == request.user.pk:
        return redirect("me")
    return redirect("groups:roster", slug=membership.group.slug)


# --- The roster -------------------------------------------------------------------------


def roster_queryset(group: ServiceGroup):
    """The group's active members, each with the date they joined.

    One join: a member has at most one live membership per group (a database rule), so
    the join cannot repeat a member, and the annotation reuses it.
    """
    return Member.objects.filter(
        memberships__group=group, memberships__status=Membership.Status.ACTIVE
    ).annotate(joined_at=Coalesce("memberships__decided_at", "memberships__created_at"))


class RosterMixin(ManagesGroup):
    def filtered(self):
        self.filterset, queryset = member_search(roster_queryset(self.group), self.request.GET)
        return queryset


class RosterView(RosterMixin, ListView):
    template_name = "groups/roster.html"
    context_object_name = "members"
    paginate_by = 50

    def get_queryset(self):
        return self.filtered().prefetch_related("skills")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filterset=self.filterset,
            category_counts=category_counts(self.object_list),
            query_string=query.urlencode(),
            pending_count=Membership.objects.pending().filter(group=self.group).count(),
            reveal_phones=True,  # the group's coordinators and admins manage every row here
        )
        return context


class RosterExportView(RosterMixin, View):
    def get(self, request, slug, fmt):
        queryset = self.filtered()
        reveal = is_admin(request.user, "members.change_member")
        filename = exports.export_filename(self.group.slug, fmt)
        if fmt == "xlsx":
            return exports.roster_xlsx_response(
                queryset, reveal_national_id=reveal, filename=filename
            )
        return exports.roster_csv_response(queryset, reveal_national_id=reveal, filename=filename)


def import_template(request, slug, fmt):
    """The empty template: the roster's columns, nothing else. Public: it holds no data."""
    dataset = imports.template_dataset()
    if fmt == "xlsx":
        response = HttpResponse(dataset.export("xlsx"), content_type=exports.XLSX_TYPE)
    else:
        response = HttpResponse("\ufeff" + dataset.export("csv"), content_type=exports.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="roster-template.{fmt}"'
    return response


SPOOL_SESSION_KEY = "roster_imports"


def _spool_dir() -> Path:
    path = Path(settings.IMPORT_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class RosterImportView(ManagesGroup, FormView):
    """Upload → preview (what would be created, updated, and which rows are wrong) → confirm."""

    form_class = ImportUploadForm
    template_name = "groups/roster_import.html"

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            dataset = imports.read_table(content, upload.name)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        report = imports.roster_import(
            actor=self.request.user, group=self.group, dataset=dataset, dry_run=True
        )
        token = None
        if report.ok:
            token = secrets.token_urlsafe(16)
            (_spool_dir() / token).write_bytes(content)
            pending = self.request.session.get(SPOOL_SESSION_KEY, {})
            pending[token] = {"group": self.group.pk, "name": upload.name}
            self.request.session[SPOOL_SESSION_KEY] = pending
        return self.render_to_response(
            self.get_context_data(form=form, report=report, token=token, filename=upload.name)
        )


@require_POST
@policy_required(name="group", **MANAGE_GROUP)
def roster_import_confirm(request, group):
    slug = group.slug
    token = request.POST.get("token", "")
    pending = request.session.get(SPOOL_SESSION_KEY, {})
    entry = pending.get(token)
    path = _spool_dir() / token if token.replace("-", "").replace("_", "").isalnum() else None
    if not entry or entry["group"] != group.pk or path is None or not path.exists():
        messages.error(request, _("This import has expired; please upload the file again."))
        return redirect("groups:roster-import", slug=slug)
    try:
        dataset = imports.read_table(path.read_bytes(), entry["name"])
        report = imports.roster_import(
            actor=request.user, group=group, dataset=dataset, dry_run=False
        )
    except imports.ImportFileError as error:
        messages.error(request, str(error))
        return redirect("groups:roster-import", slug=slug)
    finally:
        path.unlink(missing_ok=True)
        pending.pop(token, None)
        request.session[SPOOL_SESSION_KEY] = pending
    if not report.committed:
        messages.error(
            request,
            _("Nothing was imported: the data changed since the preview. Please try again."),
        )
        return redirect("groups:roster-import", slug=slug)
    messages.success(
        request,
        _("Imported: %(new)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {"new": report.new, "updated": report.updated, "unchanged": report.unchanged},
    )
    if request.POST.get("invite"):
        invitations = imports.invite_imported(actor=request.user, dataset=dataset)
        messages.info(
            request,
            _(
                "Invitations emailed: %(invited)s. Without an email address: %(no_email)s "
                "(hand them a link from their member page). Could not be invited: "
                "%(refused)s."
            )
            % {
                "invited": invitations.invited,
                "no_email": invitations.no_email,
                "refused": invitations.refused,
            },
        )
    return redirect("groups:roster", slug=slug)


class MemberAddView(ManagesGroup, FormView):
    """A coordinator records someone met at an event; they become an active member."""

    form_class = MemberProfileForm
    template_name = "members/member_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["show_national_id"] = is_admin(self.request.user, "members.change_member")
        kwargs["submit_label"] = _("Add to the group")
        return kwargs

    def form_valid(self, form):
        try:
            member = services.member_add_to_group(
                actor=self.request.user,
                group=self.group,
                fields=form.profile_data(),
                skills=form.cleaned_data["skills"],
                photo=form.processed_photo,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("%(name)s was added to the group.") % {"name": member.full_name}
        )
        return redirect("members:member-detail", pk=member.pk)
