"""Issue 13: roster work too large for a request is done in the background (groups.jobs).

With no broker (these tests, and `make run`) a job runs in the app's process after the
response; with one, on a worker (tests/ops/test_celery_worker.py). Either way the page
shows its progress, then the file, the preview or what was imported, to the person who
asked for it only."""

import datetime
import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from groups import jobs
from groups.models import Membership, RosterJob
from members import spool
from members.models import Invitation, Member
from tests.factories import MemberFactory, MembershipFactory
from tests.groups.test_import_export import csv_rows, table, upload


@pytest.fixture(autouse=True)
def small_thresholds(settings, tmp_path):
    """Three rows are "many" and 100 bytes "large" here."""
    settings.IMPORT_SPOOL_DIR = tmp_path / "spool"
    settings.ROSTER_BACKGROUND_ROWS = 2
    settings.IMPORT_BACKGROUND_BYTES = 100


@pytest.fixture
def coordinator_client(client, coordinator, django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.committing = lambda: django_capture_on_commit_callbacks(execute=True)
    return client


@pytest.fixture
def roster(ecommerce):
    members = [
        MemberFactory(full_name=f"成员{n}", phone=f"1380000000{n}", district="longhai" if n else "")
        for n in range(3)
    ]
    for member in members:
        MembershipFactory(member=member, group=ecommerce)
    return members


def handed_over(client, response) -> RosterJob:
    """The job a response handed the work to (it redirects to the job's page)."""
    assert response.status_code == 302, response
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.context["job"]


def export_url(fmt="csv", query=""):
    return reverse("groups:roster-export", args=["ecommerce", fmt]) + query


# --- Exports ----------------------------------------------------------------------------


def test_a_large_export_is_written_in_the_background_and_offered_when_done(
    coordinator_client, roster
):
    with coordinator_client.committing():
        response = coordinator_client.get(export_url())
    job = handed_over(coordinator_client, response)
    assert (job.kind, job.status, job.total) == ("export", "done", 3)
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "The file is ready: 3 members." in page and 'id="job-download"' in page

    download = coordinator_client.get(reverse("groups:roster-job-file", args=["ecommerce", job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert f"roster-ecommerce-{timezone.localdate():%Y%m%d}.csv" in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    background = b"".join(download.streaming_content)

    settings.ROSTER_BACKGROUND_ROWS = 1000  # the same roster, streamed at once
    direct = coordinator_client.get(export_url())
    assert background == b"".join(direct.streaming_content)
    assert [row[0] for row in csv_rows(background)[1:]] == ["成员0", "成员1", "成员2"]


def test_a_background_export_keeps_the_rosters_filters_and_format(
    coordinator_client, roster, settings
):
    settings.ROSTER_BACKGROUND_ROWS = 1
    with coordinator_client.committing():
        response = coordinator_client.get(export_url("xlsx", "?district=longhai"))
    job = handed_over(coordinator_client, response)
    assert job.total == 2
    download = coordinator_client.get(reverse("groups:roster-job-file", args=["ecommerce", job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["成员1", "成员2"]


def test_asking_twice_for_the_same_export_gives_the_same_job(coordinator_client, roster):
    first = coordinator_client.get(export_url())  # not run: still waiting
    second = coordinator_client.get(export_url())
    assert first["Location"] == second["Location"]
    assert RosterJob.objects.count() == 1
    assert coordinator_client.get(export_url("xlsx"))["Location"] != first["Location"]


def test_an_expired_export_says_so_instead_of_a_file(coordinator_client, roster):
    with coordinator_client.committing():
        response = coordinator_client.get(export_url())
    job = handed_over(coordinator_client, response)
    spool.spool_remove(job.result["token"])
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "no longer kept" in page and "job-download" not in page
    download = coordinator_client.get(
        reverse("groups:roster-job-file", args=["ecommerce", job.pk]), follow=True
    )
    assert download.redirect_chain[-1][0] == reverse("groups:roster", args=["ecommerce"])
    assert "no longer kept" in download.content.decode()


# --- Imports ----------------------------------------------------------------------------


def test_a_large_import_is_checked_then_imported_in_the_background(
    coordinator_client, ecommerce, mailoutbox
):
    rows = [[f"新成员{n}", f"1390000000{n}", "自由职业人员", "税法"] for n in range(5)]
    with coordinator_client.committing():
        response = upload(coordinator_client, table(rows), "big.csv")
    job = handed_over(coordinator_client, response)
    assert (job.kind, job.status, job.total) == ("preview", "done", 5)
    page = coordinator_client.get(response["Location"])
    report = page.context["report"]
    assert (report.new, report.updated, report.problem_count) == (5, 0, 0)
    assert page.context["token"] and "confirm-import" in page.content.decode()
    assert not Member.objects.filter(phone__startswith="139").exists()  # only checked

    Member.objects.filter(phone__startswith="139")  # nothing yet
    with coordinator_client.committing():
        confirmed = coordinator_client.post(
            reverse("groups:roster-import-confirm", args=["ecommerce"]),
            {"token": page.context["token"], "invite": "yes"},
        )
    imported = handed_over(coordinator_client, confirmed)
    assert (imported.kind, imported.status) == ("import", "done")
    assert imported.result["new"] == 5
    assert Membership.objects.filter(group=ecommerce, member__phone__startswith="139").count() == 5
    done = coordinator_client.get(confirmed["Location"]).content.decode()
    assert "Imported: 5 new, 0 updated, 0 unchanged." in done
    assert "Invitations emailed: 0. Without an email address: 5" in done
    assert not Invitation.objects.exists()
    assert os.listdir(settings.IMPORT_SPOOL_DIR) == []  # used once

    # The preview's page no longer offers to import it again.
    again = coordinator_client.get(response["Location"])
    assert again.context["token"] is None and "confirm-import" not in again.content.decode()


def test_a_large_file_with_a_bad_row_imports_nothing_and_keeps_nothing(
    coordinator_client, ecommerce
):
    rows = [[f"新成员{n}", f"1390000000{n}", "", ""] for n in range(4)] + [["坏行", "123", "", ""]]
    with coordinator_client.committing():
        response = upload(coordinator_client, table(rows), "big.csv")
    job = handed_over(coordinator_client, response)
    page = coordinator_client.get(response["Location"])
    report = page.context["report"]
    assert report.problem_count == 1 and report.problems[0].row == 6
    assert "confirm-import" not in page.content.decode()
    assert job.status == "done" and os.listdir(settings.IMPORT_SPOOL_DIR) == []
    assert not Member.objects.filter(phone__startswith="139").exists()


def test_a_background_import_changes_only_the_coordinators_own_members(
    coordinator_client, culture, ecommerce
):
    """Scoped writes hold in the background too: a phone of another group's member is a
    problem, never an overwrite."""
    stranger = MemberFactory(full_name="别组成员", phone="13700000001")
    MembershipFactory(member=stranger, group=culture)
    rows = [
        ["改名", "13700000001", "", ""],
        *[[f"新{n}", f"1390000000{n}", "", ""] for n in range(3)],
    ]
    with coordinator_client.committing():
        response = upload(coordinator_client, table(rows), "big.csv")
    handed_over(coordinator_client, response)
    report = coordinator_client.get(response["Location"]).context["report"]
    assert report.problem_count == 1 and "another group" in report.problems[0].message
    stranger.refresh_from_db()
    assert stranger.full_name == "别组成员"


def test_a_small_file_over_the_web_limits_is_handed_to_the_background(
    coordinator_client, ecommerce, settings
):
    """Under the byte threshold but over the request's row limit: checked in the
    background, whose limits are larger, not refused."""
    settings.IMPORT_BACKGROUND_BYTES = 10**6
    settings.IMPORT_MAX_ROWS = 2
    rows = [[f"新成员{n}", f"1390000000{n}", "", ""] for n in range(3)]
    with coordinator_client.committing():
        response = upload(coordinator_client, table(rows), "r.csv")
    job = handed_over(coordinator_client, response)
    assert (job.kind, job.status, job.total) == ("preview", "done", 3)


# --- Who sees a job, and its progress ------------------------------------------------------


def make_job(user, group, **fields) -> RosterJob:
    defaults = {"kind": RosterJob.Kind.EXPORT, "language": "en", "parameters": {"query": "",
                "format": "csv", "filename": "roster.csv"}}  # fmt: skip
    return RosterJob.objects.create(group=group, requested_by=user, **(defaults | fields))


def test_a_waiting_job_shows_its_progress_and_polls_for_more(
    coordinator_client, coordinator, ecommerce
):
    job = make_job(coordinator, ecommerce)
    url = reverse("groups:roster-job", args=["ecommerce", job.pk])
    page = coordinator_client.get(url).content.decode()
    assert 'id="job-bar"' in page and "Waiting for its turn" in page
    assert reverse("groups:roster-job-status", args=["ecommerce", job.pk]) in page
    assert "js/job-progress.js" in page and 'id="job-refresh"' in page  # without scripts

    RosterJob.objects.filter(pk=job.pk).update(status="running", total=4000)
    jobs.note_progress(job.pk, 1000)
    status = coordinator_client.get(reverse("groups:roster-job-status", args=["ecommerce", job.pk]))
    assert status["Cache-Control"] == "no-store"
    assert status.json() == {
        "status": "running",
        "finished": False,
        "done": 1000,
        "total": 4000,
        "percent": 25,
        "message": "1,000 of 4,000 rows",
    }


def test_a_job_is_only_for_the_person_who_asked_while_they_manage_the_group(
    client, coordinator, ecommerce, admin_user
):
    from groups.models import LeaderAssignment

    job = make_job(coordinator, ecommerce)
    url = reverse("groups:roster-job", args=["ecommerce", job.pk])
    client.force_login(admin_user)  # manages every group, but did not ask for this one
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    LeaderAssignment.objects.filter(member__user=coordinator).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert client.get(url).status_code == 403
    # A job asked for before the term ended does not run after it.
    assert jobs.job_run(job.pk) == jobs.CLAIMED
    job.refresh_from_db()
    assert job.status == "failed" and "no longer manage" in job.error


def test_a_job_runs_once_and_a_lost_one_is_taken_over(coordinator, ecommerce, roster):
    job = make_job(coordinator, ecommerce)
    RosterJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    assert jobs.job_run(job.pk) == jobs.BUSY  # another worker may still be on it
    long_ago = timezone.now() - jobs.stale_after() - datetime.timedelta(seconds=1)
    RosterJob.objects.filter(pk=job.pk).update(started_at=long_ago)
    assert jobs.job_run(job.pk) == jobs.CLAIMED  # its worker is gone: taken over
    job.refresh_from_db()
    assert job.status == "done" and job.total == 3
    assert jobs.job_run(job.pk) == jobs.GONE  # done: a copy of the task does nothing


def test_a_job_that_breaks_fails_with_a_message_and_no_500(
    coordinator_client, coordinator, ecommerce
):
    job = make_job(coordinator, ecommerce, parameters={"query": ""})  # no format
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "Something went wrong" in job.error
    page = coordinator_client.get(reverse("groups:roster-job", args=["ecommerce", job.pk]))
    assert page.status_code == 200 and "Something went wrong" in page.content.decode()


def test_old_jobs_and_their_files_are_swept(coordinator, ecommerce, roster, capsys):
    job = make_job(coordinator, ecommerce)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    token = job.result["token"]
    assert spool.spool_exists(token)
    fresh = make_job(coordinator, ecommerce)
    RosterJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    call_command("expire_imports")
    assert "and 1 finished roster job" in capsys.readouterr().out
    assert list(RosterJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not spool.spool_exists(token)


def test_the_job_page_asks_the_same_queries_for_a_preview_of_5_or_50_changes(
    coordinator_client, coordinator, ecommerce
):
    def preview_page(rows: int) -> int:
        report = {
            "total": rows, "new": rows, "updated": 0, "unchanged": 0, "committed": False,
            "new_names": [f"成员{n}" for n in range(rows)], "updates": [],
            "problems": [{"row": n + 2, "column": "手机号", "message": "x"} for n in range(rows)],
            "problems_total": rows,
        }  # fmt: skip
        job = make_job(
            coordinator,
            ecommerce,
            kind="preview",
            status="done",
            parameters={"token": "t" * 22, "name": "f.csv"},
            result={"report": report},
        )
        url = reverse("groups:roster-job", args=["ecommerce", job.pk])
        with CaptureQueriesContext(connection) as queries:
            assert coordinator_client.get(url).status_code == 200
        return len(queries)

    assert preview_page(5) == preview_page(50)


def test_a_job_whose_process_was_lost_shows_as_failed(coordinator_client, coordinator, ecommerce):
    """Without a broker a job runs in the web process after the response; a restart (or
    the process's timeout) ends it unfinished. Past the time any job may take, its page
    stops waiting and says so."""
    job = make_job(coordinator, ecommerce)
    long_ago = timezone.now() - jobs.stale_after() - datetime.timedelta(seconds=1)
    RosterJob.objects.filter(pk=job.pk).update(status="running", started_at=long_ago)
    status = coordinator_client.get(reverse("groups:roster-job-status", args=["ecommerce", job.pk]))
    assert status.json()["finished"] is True and status.json()["status"] == "failed"
    page = coordinator_client.get(reverse("groups:roster-job", args=["ecommerce", job.pk]))
    assert "stopped before it was done" in page.content.decode()
    assert 'id="job-bar"' not in page.content.decode()


def test_the_hourly_sweep_hands_stalled_jobs_over_again(coordinator, ecommerce, roster, capsys):
    """A task the broker lost, a process that stopped: the hourly `expire_imports` runs
    the jobs left waiting, and the jobs whose process is gone, again."""
    waiting = make_job(coordinator, ecommerce)
    lost = make_job(coordinator, ecommerce, parameters={"query": "", "format": "xlsx",
                                                         "filename": "r.xlsx"})  # fmt: skip
    fresh = make_job(coordinator, ecommerce, parameters={"query": "?", "format": "csv"})
    long_ago = timezone.now() - jobs.stale_after() - datetime.timedelta(seconds=1)
    RosterJob.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    RosterJob.objects.filter(pk=lost.pk).update(status="running", started_at=long_ago)
    call_command("expire_imports")
    assert "handed 2 stalled job(s) over again" in capsys.readouterr().out
    statuses = dict(RosterJob.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: "done", lost.pk: "done", fresh.pk: "queued"}


def test_a_run_taken_over_leaves_the_result_to_the_run_that_took_it(
    coordinator, ecommerce, roster, monkeypatch
):
    job = make_job(coordinator, ecommerce)
    real = jobs.RUNNERS[RosterJob.Kind.EXPORT]

    def taken_over_meanwhile(job):
        RosterJob.objects.filter(pk=job.pk).update(started_at=timezone.now())  # another claim
        return real(job)

    monkeypatch.setitem(jobs.RUNNERS, RosterJob.Kind.EXPORT, taken_over_meanwhile)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "running" and job.result == {}  # the other run will finish it
