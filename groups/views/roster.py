"""A group's roster: the list with its filters, export, import (preview, then confirm),
adding a member met at an event."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from groups import exports, imports, jobs, services
from groups.forms import ImportUploadForm
from groups.models import Membership, RosterJob
from groups.selectors import roster_queryset
from groups.views.pages import MANAGE_GROUP, ManagesGroup
from members import spool
from members.forms import MemberProfileForm
from members.selectors import member_search
from members.spreadsheets import ReadLimits, TooLargeForNow
from members.views.lists import MemberListMixin
from volunteer_portal.permissions import is_admin, policy_required
from volunteer_portal.replica import reads_from_replica


class RosterMixin(ManagesGroup):
    def filtered(self):
        self.filterset, queryset = member_search(roster_queryset(self.group), self.request.GET)
        return queryset


class RosterView(RosterMixin, MemberListMixin, ListView):
    template_name = "groups/roster.html"
    context_object_name = "members"
    paginate_by = 50

    def get_queryset(self):
        return self.filtered()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pending_count=Membership.objects.pending().filter(group=self.group).count(),
            reveal_phones=True,  # the group's coordinators and admins manage every row here
            **kwargs,
        )


class RosterExportView(RosterMixin, View):
    def get(self, request, slug, fmt):
        queryset = self.filtered()
        if queryset.count() > settings.ROSTER_BACKGROUND_ROWS:
            job = jobs.export_start(
                actor=request.user,
                group=self.group,
                query=request.GET.urlencode(),
                fmt=fmt,
                language=get_language(),
            )
            return redirect("groups:roster-job", slug=slug, pk=job.pk)
        reveal = is_admin(request.user, "members.change_member")
        filename = exports.export_filename(self.group.slug, fmt)
        respond = exports.roster_xlsx_response if fmt == "xlsx" else exports.roster_csv_response
        # The rows may come from a read replica, a few seconds behind (a file, not a page).
        return reads_from_replica(respond)(queryset, reveal_national_id=reveal, filename=filename)


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


class RosterImportView(ManagesGroup, FormView):
    """Upload → preview (what would be created, updated, and which rows are wrong) → confirm.

    A hostile or oversized file is refused early with a form error (``members.
    spreadsheets``: upload size, zip checks, row limit, time budget), never a stuck worker.
    """

    form_class = ImportUploadForm
    template_name = "groups/roster_import.html"

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        content = upload.read()
        if len(content) > settings.IMPORT_BACKGROUND_BYTES:
            return self.in_background(content, upload.name)
        limits = ReadLimits.for_web()
        try:
            dataset = imports.read_table(content, upload.name, limits)
            report = imports.roster_import(
                actor=self.request.user,
                group=self.group,
                dataset=dataset,
                dry_run=True,
                budget=limits.budget,
            )
        except TooLargeForNow:  # more rows, or slower, than a request may take
            return self.in_background(content, upload.name)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        token = None
        if report.ok:
            token = self.spool(content, upload.name)
        return self.render_to_response(
            self.get_context_data(form=form, report=report, token=token, filename=upload.name)
        )

    def spool(self, content: bytes, name: str) -> str:
        """Keep the file for its confirmation, which only this session may give."""
        token = spool.spool_save(content)
        pending = {
            key: entry
            for key, entry in self.request.session.get(SPOOL_SESSION_KEY, {}).items()
            if spool.spool_exists(key)  # forget the expired ones
        }
        pending[token] = {"group": self.group.pk, "name": name}
        self.request.session[SPOOL_SESSION_KEY] = pending
        return token

    def in_background(self, content: bytes, name: str):
        """A large file is checked by a worker; its page shows the progress, then the
        preview."""
        job = jobs.job_start(
            actor=self.request.user,
            group=self.group,
            kind=RosterJob.Kind.PREVIEW,
            parameters={"token": self.spool(content, name), "name": name},
            language=get_language(),
        )
        return redirect("groups:roster-job", slug=self.group.slug, pk=job.pk)


@require_POST
@policy_required(name="group", **MANAGE_GROUP)
def roster_import_confirm(request, group):
    slug = group.slug
    token = request.POST.get("token", "")
    pending = request.session.get(SPOOL_SESSION_KEY, {})
    entry = pending.pop(token, None) if isinstance(token, str) else None
    request.session[SPOOL_SESSION_KEY] = pending
    content = None
    if entry and entry["group"] == group.pk:
        size = spool.spool_size(token)  # None once expired
        if size is not None and size > settings.IMPORT_BACKGROUND_BYTES:
            return _import_in_background(request, group, token, entry["name"])
        content = spool.spool_read(token)
        spool.spool_remove(token)  # used once, whatever happens next
    if content is None:
        messages.error(request, _("This import has expired; please upload the file again."))
        return redirect("groups:roster-import", slug=slug)
    limits = ReadLimits.for_web()
    try:
        dataset = imports.read_table(content, entry["name"], limits)
        report = imports.roster_import(
            actor=request.user, group=group, dataset=dataset, dry_run=False, budget=limits.budget
        )
    except TooLargeForNow:  # the preview was quicker: this time, a worker does it
        return _import_in_background(request, group, spool.spool_save(content), entry["name"])
    except imports.ImportFileError as error:
        messages.error(request, str(error))
        return redirect("groups:roster-import", slug=slug)
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


def _import_in_background(request, group, token: str, name: str):
    job = jobs.job_start(
        actor=request.user,
        group=group,
        kind=RosterJob.Kind.IMPORT,
        parameters={"token": token, "name": name, "invite": bool(request.POST.get("invite"))},
        language=get_language(),
    )
    return redirect("groups:roster-job", slug=group.slug, pk=job.pk)


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
