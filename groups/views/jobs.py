"""The page of a roster job done in the background (``groups.jobs``): its progress while
it runs, then the file to download, the preview to confirm, or what was imported."""

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from groups import exports, jobs
from groups.imports import ImportReport
from groups.models import RosterJob
from groups.permissions import roster_job_policy
from groups.views.pages import MANAGE_GROUP, ManagesGroup
from members import spool
from volunteer_portal.files import private_download_response
from volunteer_portal.permissions import policy_required


def _job(request, group, pk) -> RosterJob:
    """The job, for the person who asked for it (404 for anyone else)."""
    return roster_job_policy.get(request.user, "view", pk=pk, group=group)


def job_progress(job: RosterJob) -> dict:
    """What the page shows of a job's progress, and what its script polls. A job running
    longer than any job may has lost its process (a restart, a web process's timeout): it
    is shown as failed, as it will not finish."""
    if jobs.is_lost(job):
        job.status = RosterJob.Status.FAILED
        job.error = _(
            "This stopped before it was done (its server restarted), and nothing was saved. "
            "Please try again."
        )
    done = jobs.progress_of(job)
    total = job.total
    percent = min(100, round(100 * done / total)) if total else 0
    if job.status == RosterJob.Status.QUEUED:
        message = _("Waiting for its turn…")
    elif total is None:
        message = (
            _("Counting the rows…") if job.kind == RosterJob.Kind.EXPORT else _("Reading the file…")
        )
    else:
        message = _("%(done)s of %(total)s rows") % {
            "done": number_format(done, force_grouping=True),
            "total": number_format(total, force_grouping=True),
        }
    return {
        "status": job.status,
        "finished": job.is_finished,
        "done": done,
        "total": total,
        "percent": percent,
        "message": message,
    }


class RosterJobView(ManagesGroup, TemplateView):
    template_name = "groups/roster_job.html"

    def get_context_data(self, **kwargs):
        job = _job(self.request, self.group, self.kwargs["pk"])
        context = {
            "job": job,
            "progress": job_progress(job),
            "spool_hours": f"{settings.IMPORT_SPOOL_MAX_AGE_HOURS:g}",
        }
        if job.status == RosterJob.Status.DONE and job.kind == RosterJob.Kind.PREVIEW:
            report = ImportReport.from_data(job.result["report"])
            token = job.parameters["token"]
            context.update(
                report=report,
                filename=job.parameters["name"],
                # Confirmed already, or expired: the page says so instead of the button.
                token=token if report.ok and spool.spool_exists(token) else None,
            )
        if job.status == RosterJob.Status.DONE and job.kind == RosterJob.Kind.EXPORT:
            context["file_ready"] = spool.spool_exists(job.result.get("token", ""))
        return super().get_context_data(**context, **kwargs)


@policy_required(name="group", **MANAGE_GROUP)
def roster_job_status(request, group, pk):
    """The job's progress, polled by the page's script (static/js/job-progress.js)."""
    response = JsonResponse(job_progress(_job(request, group, pk)))
    response["Cache-Control"] = "no-store"
    return response


@policy_required(name="group", **MANAGE_GROUP)
def roster_job_file(request, group, pk):
    """The exported file, for the person who asked for it, until it lapses."""
    job = _job(request, group, pk)
    token = job.result.get("token", "") if job.status == RosterJob.Status.DONE else ""
    if not token or not spool.spool_exists(token):
        messages.error(request, _("This file is no longer kept; please export again."))
        return redirect("groups:roster", slug=group.slug)
    fmt = job.parameters["format"]
    return private_download_response(
        spool.spool_storage(),
        token,
        filename=job.parameters["filename"],
        content_type=exports.XLSX_TYPE if fmt == "xlsx" else exports.CSV_TYPE,
    )
