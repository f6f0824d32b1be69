"""Issue 13: this year's reports are computed ahead by a periodic job and kept in the
shared cache, so the report page opens at once at any size; any other period is computed
when asked for, and a kept report that is too old is not used."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports import precompute
from tests.reports.test_report_view import XLSX

REPORT = reverse("reports:report")


@pytest.fixture
def ahead(settings):
    """As with Redis: the job's reports are read by every process."""
    settings.REPORTS_PRECOMPUTED = True
    cache.clear()
    yield
    cache.clear()


def figures_queries(client, url, **params) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, params)
    assert page.status_code == 200
    return [q["sql"] for q in queries if "activities_servicehours" in q["sql"]], page


def rows(report) -> list:
    return [table.rows for section in report.sections for table in section.tables]


def test_the_page_shows_the_report_made_ahead_and_says_when(
    ahead, settings, client, admin_user, data
):
    client.force_login(admin_user)
    client.cookies["django_language"] = "en"
    call_command("precompute_reports", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counted, page = figures_queries(client, REPORT)
    assert counted == []  # no figure computed for the page
    html = page.content.decode()
    assert "brought up to date every hour" in html and 'id="report-made"' in html
    assert page.context["report"].scope.label == "All groups"
    settings.REPORTS_PRECOMPUTED = False  # the same figures as computed now
    live = client.get(REPORT).context["report"]
    assert rows(page.context["report"]) == rows(live) and rows(live)
    settings.REPORTS_PRECOMPUTED = True

    # The spreadsheet too; a group's report, chosen, as well.
    assert figures_queries(client, XLSX)[0] == []
    group = data["lin"].memberships.get().group
    counted, chosen = figures_queries(client, REPORT, group=group.pk)
    assert counted == [] and chosen.context["report"].scope.group_ids == (group.pk,)
    # In Chinese too: each language its own.
    client.cookies["django_language"] = "zh-hans"
    counted, chinese = figures_queries(client, REPORT)
    assert counted == [] and chinese.context["report"].scope.label == "全部服务团"


def test_another_period_is_computed_when_asked_for(ahead, client, admin_user, data):
    client.force_login(admin_user)
    call_command("precompute_reports", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counted, page = figures_queries(client, REPORT, range="last_year")
    assert counted and "every hour" not in page.content.decode()


def test_a_report_made_too_long_ago_is_not_used(ahead, settings, client, admin_user, data):
    client.force_login(admin_user)
    call_command("precompute_reports", stdout=open("/dev/null", "w"))  # noqa: SIM115
    this_year = precompute.periods.quick_pick(precompute.periods.THIS_YEAR)
    assert precompute.kept(precompute.scopes()[0], this_year) is not None
    settings.REPORTS_PRECOMPUTED_MAX_AGE_MINUTES = 0  # the job stopped: everything is old
    assert precompute.kept(precompute.scopes()[0], this_year) is None
    assert figures_queries(client, REPORT)[0]  # computed again


def test_without_a_shared_cache_the_job_does_nothing(settings, client, admin_user, data, capsys):
    assert not settings.REPORTS_PRECOMPUTED  # the tests' cache is each process's own
    call_command("precompute_reports")
    assert "Skipped" in capsys.readouterr().out
    client.force_login(admin_user)
    assert figures_queries(client, REPORT)[0]


def test_a_coordinator_gets_the_groups_report_made_ahead_under_their_own_label(
    ahead, client, coordinator, data
):
    client.force_login(coordinator)
    client.cookies["django_language"] = "en"
    call_command("precompute_reports", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counted, page = figures_queries(client, REPORT)
    assert counted == []  # the e-commerce group's, made ahead
    assert page.context["report"].scope.label == "All my groups"
