"""Issue 11: /reports/ and its spreadsheet: who sees which groups, the filters (quick
picks, dates, a group) with bad input answered on the page, the same figures in the
XLSX as on the page, and a fixed number of queries."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from activities.models import ServiceHours
from reports.periods import LAST_QUARTER, quick_pick
from tests.factories import (
    MemberFactory,
    MembershipFactory,
    UserFactory,
)
from tests.reports.conftest import served

REPORT = reverse("reports:report")
XLSX = reverse("reports:report-xlsx")


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def test_a_coordinator_sees_only_their_groups_figures(en, coordinator, data, ecommerce, culture):
    en.force_login(coordinator)
    response = en.get(REPORT)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.figure("hours") == Decimal("6")
    assert report.table("hours_top").rows == [["林志愿", Decimal("6"), 1]]
    assert list(response.context["form"].fields["group"].queryset) == [ecommerce]
    assert "王文化" not in response.content.decode()
    # Asking for another group's figures is a field error, not their figures.
    response = en.get(REPORT, {"group": culture.pk})
    assert "group" in response.context["form"].errors
    assert response.context["report"].figure("hours") == Decimal("6")
    assert 'id="ledger-link"' not in response.content.decode()


def test_an_admin_sees_every_group_or_one(en, admin_user, data, culture):
    en.force_login(admin_user)
    report = en.get(REPORT).context["report"]
    assert report.figure("hours") == Decimal("15") and report.scope.everything
    one = en.get(REPORT, {"group": culture.pk}).context["report"]
    assert one.figure("hours") == Decimal("9") and not one.scope.everything
    assert 'id="ledger-link"' in en.get(REPORT).content.decode()


@pytest.mark.parametrize("role, status", [("volunteer", 403), ("staff", 403)])
def test_volunteers_and_staff_without_the_right_get_403(client_for, role, status):
    assert client_for(role).get(REPORT).status_code == status
    assert client_for(role).get(XLSX).status_code == status


def test_staff_given_the_report_permission_see_every_group(client, data):
    clerk = UserFactory(username="statistician", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_reports"))
    client.force_login(clerk)
    assert client.get(REPORT).context["report"].figure("hours") == Decimal("15")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(REPORT)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_quick_picks_and_dates(en, admin_user, data):
    en.force_login(admin_user)
    today = timezone.localdate()
    report = en.get(REPORT, {"range": "last_quarter"}).context["report"]
    assert report.period == quick_pick(LAST_QUARTER, today)
    start = today - datetime.timedelta(days=1)
    report = en.get(
        REPORT, {"range": "custom", "start": start.isoformat(), "end": today.isoformat()}
    ).context["report"]
    assert (report.period.start, report.period.end) == (start, today)
    assert report.figure("hours") == Decimal("15")


@pytest.mark.parametrize(
    "query, field",
    [({"range": "custom"}, "start"),
     ({"range": "custom", "start": "2026-05-01", "end": "2026-04-01"}, "end"),
     ({"range": "custom", "start": "yesterday", "end": "2026-04-01"}, "start"),
     ({"range": "custom", "start": "1900-01-01", "end": "1901-01-01"}, "start"),
     ({"range": "custom", "start": "2000-01-01", "end": "2025-01-01"}, "end"),
     ({"range": "forever"}, "range"), ({"group": "abc"}, "group"), ({"group": "999999"}, "group")],
)  # fmt: skip
def test_bad_filters_are_field_errors_never_a_500(en, admin_user, query, field):
    en.force_login(admin_user)
    response = en.get(REPORT, query)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "data-error-summary" in response.content.decode()
    assert 'id="download-xlsx"' not in response.content.decode()
    # Never a file of another period than the one asked: back to the page and its errors.
    download = en.get(XLSX, query)
    assert download.status_code == 302 and download["Location"].startswith(REPORT)


def test_the_spreadsheet_holds_the_pages_figures(en, admin_user, data):
    en.force_login(admin_user)
    report = en.get(REPORT).context["report"]
    response = en.get(XLSX)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="report-' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [str(section.title) for section in report.sections]
    hours_sheet = list(book["Service hours"].iter_rows(values_only=True))
    assert ("Group", "All groups") in [row[:2] for row in hours_sheet]
    assert ("Approved hours", 15) in [row[:2] for row in hours_sheet]
    top = hours_sheet.index(("Volunteer", "Hours", "Activities"))
    assert hours_sheet[top + 1][:3] == ("王文化", 9, 1)
    people = list(book["People"].iter_rows(values_only=True))
    assert ("Members now", 2) in [row[:2] for row in people]


def test_formulas_in_names_are_written_as_text(en, admin_user, ecommerce):
    member = MemberFactory(full_name='=HYPERLINK("http://x")')
    MembershipFactory(member=member, group=ecommerce)
    served(ecommerce, member, 3)
    en.force_login(admin_user)
    book = load_workbook(io.BytesIO(en.get(XLSX).content), read_only=True)
    names = [row[0] for row in book["Service hours"].iter_rows(values_only=True) if row]
    assert '\'=HYPERLINK("http://x")' in names


def test_the_page_draws_each_table_as_a_chart_from_its_own_figures(en, admin_user, data):
    en.force_login(admin_user)
    page = en.get(REPORT).content.decode()
    assert 'data-chart="chart-hours_group"' in page and 'id="chart-hours_group-data"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "<script>" not in page
    assert "data-print hidden" in page


def test_the_page_costs_the_same_queries_at_5_and_50_rows(client, admin_user, ecommerce):
    client.force_login(admin_user)

    def count(n):
        while ServiceHours.objects.count() < n:
            member = MemberFactory()
            MembershipFactory(member=member, group=ecommerce)
            served(ecommerce, member, 2)
        client.get(REPORT)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REPORT).status_code == 200
        return len(queries)

    assert count(5) == count(50)


def test_typed_dates_are_used_whatever_the_quick_pick(en, admin_user, data):
    """Dates typed in, the quick pick left at "this year": the typed dates win, and the
    form shows "dates of my choice" chosen."""
    en.force_login(admin_user)
    response = en.get(REPORT, {"range": "this_year", "start": "2025-01-01", "end": "2025-01-31"})
    report = response.context["report"]
    assert (report.period.start, report.period.end) == (
        datetime.date(2025, 1, 1), datetime.date(2025, 1, 31),
    )  # fmt: skip
    assert response.context["form"]["range"].value() == "custom"


def test_typed_dates_on_a_leap_day_are_no_500(en, admin_user, monkeypatch):
    import reports.forms

    monkeypatch.setattr(reports.forms.timezone, "localdate", lambda: datetime.date(2028, 2, 29))
    en.force_login(admin_user)
    response = en.get(REPORT, {"range": "custom", "start": "2028-01-01", "end": "2028-02-29"})
    assert response.status_code == 200 and not response.context["form"].errors
