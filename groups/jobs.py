"""Roster work too large for a request: exports of many rows, the check and the import of
a large file (``ROSTER_BACKGROUND_ROWS``, ``IMPORT_BACKGROUND_BYTES``).

The roster page writes a ``RosterJob`` and hands it over after the commit: to a Celery
worker when there is a broker (``groups.tasks``), else to this process once the response
has gone (as emails are, ``volunteer_portal.mail``), so ``make run`` needs no service.
The page then shows the job: its progress (rows done, kept in the shared cache, since an
import's own writes are invisible until its transaction commits), and when it is done the
file to download or the preview to confirm. The files wait in the import spool
(``members.spool``: the private bucket with object storage), for their owner only.

A job runs once: a worker claims it (queued → running) before it starts. A task
delivered again while the job runs (a worker lost, Redis's visibility timeout) waits and
takes the job over only once it has run longer than any job may (``STALE_AFTER``).
"""

from __future__ import annotations

import datetime
import logging
import tempfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groups import exports, imports
from groups.models import RosterJob, ServiceGroup
from groups.permissions import group_policy
from groups.selectors import roster_queryset
from members import spool
from members.selectors import member_search
from members.spreadsheets import ImportFileError, ReadLimits, TimeBudget
from volunteer_portal.mail import after_response
from volunteer_portal.permissions import is_admin
from volunteer_portal.replica import replica_reads

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 500  # rows between two progress notes
CLAIMED, BUSY, GONE = "claimed", "busy", "gone"


def stale_after() -> datetime.timedelta:
    """A running job older than this has lost its worker: longer than any job may run."""
    return datetime.timedelta(seconds=settings.IMPORT_BACKGROUND_TIME_BUDGET_SECONDS + 300)


def is_lost(job: RosterJob) -> bool:
    """Running for longer than any job may: its worker (or web process) is gone."""
    return (
        job.status == RosterJob.Status.RUNNING
        and job.started_at is not None
        and job.started_at < timezone.now() - stale_after()
    )


# --- Progress ---------------------------------------------------------------------------


def _progress_key(job_id) -> str:
    return f"roster-job-progress:{job_id}"


def note_progress(job_id, done: int) -> None:
    cache.set(_progress_key(job_id), done, 24 * 3600)


def progress_of(job: RosterJob) -> int:
    """Rows done so far (all of them once the job is done)."""
    if job.status == RosterJob.Status.DONE:
        return job.total or 0
    return cache.get(_progress_key(job.pk)) or 0


@dataclass
class ProgressBudget(TimeBudget):
    """The background's time budget, which also notes how many rows are done: an import
    checks it once a row (``MemberResource.import_row``)."""

    job_id: object = None
    calls: int = field(default=0)

    def check(self) -> None:
        super().check()
        self.calls += 1
        if self.calls % PROGRESS_EVERY == 0:
            note_progress(self.job_id, self.calls)


def _counted(rows, job_id):
    for number, row in enumerate(rows, start=1):
        if number % PROGRESS_EVERY == 0:
            note_progress(job_id, number)
        yield row


# --- Asking for a job -------------------------------------------------------------------


def job_start(
    *, actor, group: ServiceGroup, kind: str, parameters: dict, language: str
) -> RosterJob:
    """Write the job; it is handed over once the caller's transaction commits."""
    if not group_policy.can_manage(actor, group):
        raise PermissionDenied
    job = RosterJob.objects.create(
        group=group, requested_by=actor, kind=kind, parameters=parameters, language=language
    )
    transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def export_start(*, actor, group: ServiceGroup, query: str, fmt: str, language: str):
    """A background export of the roster as filtered by ``query`` (the page's query string).
    Asking again for the same file while the first is being written, or within a minute of
    it being done (a second click), gives the same job."""
    parameters = {
        "query": query,
        "format": fmt,
        "filename": exports.export_filename(group.slug, fmt),
    }
    recent = timezone.now() - datetime.timedelta(minutes=1)
    same = (
        RosterJob.objects.filter(
            requested_by=actor, group=group, kind=RosterJob.Kind.EXPORT, parameters=parameters
        )
        .filter(
            Q(status__in=[RosterJob.Status.QUEUED, RosterJob.Status.RUNNING])
            | Q(status=RosterJob.Status.DONE, finished_at__gte=recent)
        )
        .first()
    )
    if same is not None:
        return same
    return job_start(
        actor=actor,
        group=group,
        kind=RosterJob.Kind.EXPORT,
        parameters=parameters,
        language=language,
    )


def _dispatch(job_id) -> None:
    if settings.CELERY_BROKER_URL:
        from groups.tasks import run_roster_job  # loads Celery, at the first job

        try:
            run_roster_job.delay(str(job_id))
            return
        except Exception:  # the broker is down: this process does it instead
            logger.warning("Could not hand a roster job to the workers", exc_info=True)
    after_response(lambda: job_run(job_id))


# --- Doing it ---------------------------------------------------------------------------


def job_run(job_id) -> str:
    """Claim the job and do it. ``GONE``: nothing to do (done, or no such job); ``BUSY``:
    another worker runs it and may still be alive (ask again after ``stale_after()``)."""
    now = timezone.now()
    claimed = (
        RosterJob.objects.filter(pk=job_id)
        .filter(
            Q(status=RosterJob.Status.QUEUED)
            | Q(status=RosterJob.Status.RUNNING, started_at__lt=now - stale_after())
        )
        .update(status=RosterJob.Status.RUNNING, started_at=now)
    )
    if not claimed:
        running = RosterJob.objects.filter(pk=job_id, status=RosterJob.Status.RUNNING)
        return BUSY if running.exists() else GONE
    job = RosterJob.objects.select_related("group", "requested_by").get(pk=job_id)
    status, result, error = RosterJob.Status.DONE, {}, ""
    with translation.override(job.language):
        try:
            if not group_policy.can_manage(job.requested_by, job.group):
                raise PermissionDenied
            result = RUNNERS[job.kind](job)
        except ImportFileError as refused:  # the file (or its expiry): the person is told
            status, error = RosterJob.Status.FAILED, str(refused)
        except PermissionDenied:
            status, error = RosterJob.Status.FAILED, _("You no longer manage this group.")
        except Exception:
            logger.exception("Roster job %s failed", job_id)
            status = RosterJob.Status.FAILED
            error = _("Something went wrong, and nothing was saved. Please try again.")
    # Only if the job is still this claim's: a run taken over (its worker thought lost)
    # leaves the result to the run that took it over.
    RosterJob.objects.filter(pk=job_id, status=RosterJob.Status.RUNNING, started_at=now).update(
        status=status, result=result, error=error, finished_at=timezone.now()
    )
    cache.delete(_progress_key(job_id))
    return CLAIMED


def _set_total(job: RosterJob, total: int) -> None:
    job.total = total
    RosterJob.objects.filter(pk=job.pk).update(total=total)


def _export(job: RosterJob) -> dict:
    parameters = job.parameters
    reveal = is_admin(job.requested_by, "members.change_member")
    write = exports.write_xlsx if parameters["format"] == "xlsx" else exports.write_csv
    _filters, queryset = member_search(roster_queryset(job.group), QueryDict(parameters["query"]))
    with replica_reads(), tempfile.TemporaryFile() as file:  # the rows: from a replica if any
        _set_total(job, queryset.count())
        write(file, _counted(exports.roster_rows(queryset, reveal_national_id=reveal), job.pk))
        file.seek(0)
        token = spool.spool_save_file(file)
    return {"token": token}


def background_limits(job: RosterJob) -> ReadLimits:
    return ReadLimits(
        max_rows=settings.IMPORT_BACKGROUND_MAX_ROWS,
        max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
        budget=ProgressBudget(settings.IMPORT_BACKGROUND_TIME_BUDGET_SECONDS, job_id=job.pk),
    )


def _read(job: RosterJob, content: bytes | None):
    if content is None:
        raise ImportFileError(_("This import has expired; please upload the file again."))
    limits = background_limits(job)
    dataset = imports.read_table(content, job.parameters["name"], limits)
    _set_total(job, len(dataset))
    limits.budget.calls = 0  # from here, one call a row
    return dataset, limits


def _roster_import(job: RosterJob, dataset, limits: ReadLimits, *, dry_run: bool):
    return imports.roster_import(
        actor=job.requested_by,
        group=job.group,
        dataset=dataset,
        dry_run=dry_run,
        budget=limits.budget,
    )


def _preview(job: RosterJob) -> dict:
    token = job.parameters["token"]
    report = None
    try:
        dataset, limits = _read(job, spool.spool_read(token))
        report = _roster_import(job, dataset, limits, dry_run=True)
    finally:
        if report is None or not report.ok:
            spool.spool_remove(token)  # nothing to confirm
    return {"report": report.as_data()}


def _import(job: RosterJob) -> dict:
    token = job.parameters["token"]
    content = spool.spool_read(token)
    spool.spool_remove(token)  # used once, whatever happens next
    dataset, limits = _read(job, content)
    report = _roster_import(job, dataset, limits, dry_run=False)
    if not report.committed:
        raise ImportFileError(
            _("Nothing was imported: the data changed since the preview. Please try again.")
        )
    result = {"new": report.new, "updated": report.updated, "unchanged": report.unchanged}
    if job.parameters.get("invite"):
        try:  # the import is committed: whatever happens here, it stays, and says so
            invitations = imports.invite_imported(actor=job.requested_by, dataset=dataset)
        except Exception:
            logger.exception("Invitations after roster job %s failed", job.pk)
            return result
        result["invitations"] = {
            "invited": invitations.invited,
            "no_email": invitations.no_email,
            "refused": invitations.refused,
        }
    return result


RUNNERS = {
    RosterJob.Kind.EXPORT: _export,
    RosterJob.Kind.PREVIEW: _preview,
    RosterJob.Kind.IMPORT: _import,
}


# --- Sweeping ---------------------------------------------------------------------------


def jobs_recover() -> int:
    """Hand over again the jobs no worker took (a task lost by the broker, a process that
    stopped before it ran it): queued for more than ten minutes, or running past the time
    any job may take (its process is gone). Each runs again from the start: an export or a
    check is the same again; an import is all or nothing. Returns how many."""
    now = timezone.now()
    waiting = RosterJob.objects.filter(
        Q(status=RosterJob.Status.QUEUED, created_at__lt=now - datetime.timedelta(minutes=10))
        | Q(status=RosterJob.Status.RUNNING, started_at__lt=now - stale_after())
    )
    ids = list(waiting.values_list("pk", flat=True))
    for job_id in ids:
        _dispatch(job_id)
    return len(ids)


def jobs_expire() -> int:
    """Remove jobs older than the spool's maximum age, with their files; returns how many."""
    cutoff = timezone.now() - datetime.timedelta(seconds=spool.max_age_seconds())
    old = RosterJob.objects.filter(created_at__lt=cutoff)
    for result in old.filter(kind=RosterJob.Kind.EXPORT).values_list("result", flat=True):
        if result.get("token"):
            spool.spool_remove(result["token"])
    removed, _by_model = old.delete()
    return removed
