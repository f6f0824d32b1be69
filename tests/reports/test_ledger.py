"""The hours ledger (/reports/ledger/): who may open it, which entries it holds, identity
numbers masked or in full, the CSV and the XLSX agreeing, a fixed number of queries, and
bad input answered with a form error instead of a 500."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import ServiceHours
from reports.ledger import Ledger, csv_text, ledger_entries
from reports.periods import Period
from tests.factories import ActivityFactory, MemberFactory, SignUpFactory, UserFactory

URL = reverse("reports:ledger")
MARCH = {"range": "custom", "start": "2025-03-01", "end": "2025-03-31"}
PERIOD = Period(datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
ID = "350602199003071234"
MASKED_ID = "350***********1234"


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=timezone.get_default_timezone())


APPROVED_AT = local(2025, 4, 2, 18, 30)


def entry(signup, hours, *, approver, status=ServiceHours.Status.APPROVED, **fields):
    approved = status == ServiceHours.Status.APPROVED
    return ServiceHours.objects.create(
        signup=signup,
        hours=Decimal(hours),
        status=status,
        approved_by=approver if approved else None,
        approved_at=APPROVED_AT if approved else None,
        **fields,
    )


@pytest.fixture
def ledger_clerk(db):
    """Staff holding only the ledger permission: an admin for the ledger, who may not
    change member records (so identity numbers go out masked)."""
    user = UserFactory(username="ledger-clerk", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="export_hours_ledger", content_type__app_label="reports")
    )
    return user


@pytest.fixture
def fixture_rows(ecommerce, culture, coordinator, admin_user):
    """Hand-built: what the ledger for March 2025 must hold, and what it must leave out."""
    ada = MemberFactory(full_name="阿达", national_id=ID, phone="13800001111")
    bo = MemberFactory(full_name="博文", phone="13800002222")
    cai = MemberFactory(full_name='=HYPERLINK("http://x")', phone="13800003333")
    clinic = ActivityFactory(group=ecommerce, title="税务义诊", starts_at=local(2025, 3, 10, 9))
    first_day = ActivityFactory(group=ecommerce, title="开张日", starts_at=local(2025, 3, 1, 0))
    opera = ActivityFactory(group=culture, title="芗剧进社区", starts_at=local(2025, 3, 20, 14))
    april = ActivityFactory(group=ecommerce, title="四月直播", starts_at=local(2025, 4, 1, 0))
    february = ActivityFactory(group=ecommerce, title="二月", starts_at=local(2025, 2, 28, 23))

    # Counted: an approved, current entry (and one on the period's first instant).
    entry(SignUpFactory(activity=clinic, member=ada), "2.50", approver=coordinator)
    entry(SignUpFactory(activity=first_day, member=bo), "1", approver=admin_user)
    # Corrected: the superseded 2 h never counts; the correction's 3 h counts once.
    signup = SignUpFactory(activity=clinic, member=bo)
    old = entry(signup, "2", approver=coordinator, is_current=False)
    entry(signup, "3", approver=coordinator, supersedes=old)
    # Waiting for approval: not counted.
    entry(SignUpFactory(activity=clinic, member=cai), "4", approver=None, status="proposed")
    # Another group's: counted for all groups, not for e-commerce alone.
    entry(SignUpFactory(activity=opera, member=cai), "1.25", approver=coordinator)
    # Outside the period (the first instant after it, and the last one before it).
    entry(SignUpFactory(activity=april, member=ada), "5", approver=coordinator)
    entry(SignUpFactory(activity=february, member=ada), "6", approver=coordinator)
    approved, shop = "2025-04-02 18:30", ecommerce.name_zh
    return {
        "all": [
            ["博文", "", "13800002222", shop, "开张日", "2025-03-01", "1", "boss", approved],
            [
                "阿达",
                ID,
                "13800001111",
                shop,
                "税务义诊",
                "2025-03-10",
                "2.5",
                "coord 成员",
                approved,
            ],
            [
                "博文",
                "",
                "13800002222",
                shop,
                "税务义诊",
                "2025-03-10",
                "3",
                "coord 成员",
                approved,
            ],
            [
                '\'=HYPERLINK("http://x")',
                "",
                "13800003333",
                culture.name_zh,
                "芗剧进社区",
                "2025-03-20",
                "1.25",
                "coord 成员",
                approved,
            ],
        ],  # fmt: skip
        "ecommerce": ecommerce,
        "culture": culture,
    }


def drain(response) -> bytes:
    """A streamed file read to its end, which closes it (the test client does so once it is
    read; closing it again would close the test's database connection)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def read_csv(response) -> list[list[str]]:
    content = drain(response).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def xlsx_cell(column: int, value) -> str:
    if value is None:
        return ""
    if column == 5 and isinstance(value, datetime.datetime):  # the activity's date
        return value.date().isoformat()
    if isinstance(value, int | float):
        return f"{Decimal(str(value)).normalize():f}"
    return csv_cell(value)


def read_xlsx(response) -> list[list[str]]:
    workbook = openpyxl.load_workbook(io.BytesIO(drain(response)))
    rows = []
    for row in workbook.active.iter_rows(values_only=True):
        cells = [xlsx_cell(column, value) for column, value in enumerate(row)]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(cells)
    return rows


def body(rows):
    """The entries: the rows below the filters and the headings."""
    return rows[5:]


# --- Who may open it -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", "login"),
        ("volunteer", 403),
        ("coordinator", 403),
        ("other_coordinator", 403),
        ("staff", 403),  # staff without the permission
        ("admin", 200),
    ],
)
@pytest.mark.parametrize("query", [{}, {**MARCH, "format": "csv"}, {**MARCH, "format": "xlsx"}])
def test_only_admins_with_the_permission_open_or_download_the_ledger(
    role, expected, query, client_for, coordinator, other_coordinator
):
    response = client_for(role).get(URL, query)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected
    drain(response)


def test_staff_holding_the_ledger_permission_may_download_it(client, ledger_clerk):
    client.force_login(ledger_clerk)
    assert client.get(URL).status_code == 200
    response = client.get(URL, {**MARCH, "format": "csv"})
    assert response.status_code == 200
    assert drain(response).startswith("\ufeff".encode())


# --- The rows ------------------------------------------------------------------------------


def test_ledger_holds_approved_current_entries_of_the_period_once(fixture_rows):
    rows = [[csv_text(v) for v in row] for row in Ledger(PERIOD, None, full_ids=True).rows()]
    assert rows == fixture_rows["all"]


def test_ledger_of_one_group_leaves_the_other_groups_out(fixture_rows):
    ledger = Ledger(PERIOD, fixture_rows["ecommerce"], full_ids=True)
    rows = [[csv_text(v) for v in row] for row in ledger.rows()]
    assert rows == fixture_rows["all"][:3]
    assert ledger.count() == 3
    assert ledger_entries(PERIOD, fixture_rows["culture"]).count() == 1


def test_a_period_with_no_activities_gives_an_empty_ledger(fixture_rows):
    empty = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
    assert list(Ledger(empty, None, full_ids=True).rows()) == []


def test_page_counts_the_entries_of_the_filters(client, admin_user, fixture_rows):
    client.force_login(admin_user)
    response = client.get(URL, MARCH)
    assert response.status_code == 200
    assert response.context["entry_count"] == 4
    assert b'name="format" value="xlsx"' in response.content
    group = fixture_rows["ecommerce"].pk
    assert client.get(URL, {**MARCH, "group": group}).context["entry_count"] == 3


def test_unfiltered_page_counts_this_year(client, admin_user):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.context["period"].start == timezone.localdate().replace(month=1, day=1)
    assert response.context["entry_count"] == 0


# --- Identity numbers ----------------------------------------------------------------------


def test_admin_who_may_change_members_gets_full_identity_numbers(client, admin_user, fixture_rows):
    client.force_login(admin_user)
    rows = body(read_csv(client.get(URL, {**MARCH, "format": "csv"})))
    assert rows[1][1] == ID
    assert rows == fixture_rows["all"]


def test_ledger_clerk_gets_masked_identity_numbers(client, ledger_clerk, fixture_rows):
    client.force_login(ledger_clerk)
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        rows = body(read(client.get(URL, {**MARCH, "format": fmt})))
        assert rows[1][1] == MASKED_ID
        assert ID not in str(rows)
    assert client.get(URL, MARCH).context["full_ids"] is False  # and the page says so


# --- The files -----------------------------------------------------------------------------


def test_csv_and_xlsx_hold_the_same_rows_with_the_filters_on_top(client, admin_user, fixture_rows):
    client.force_login(admin_user)
    query = {**MARCH, "group": fixture_rows["ecommerce"].pk}
    csv_response = client.get(URL, {**query, "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert (
        'filename="hours-ledger-2025-03-01-2025-03-31.csv"' in csv_response["Content-Disposition"]
    )
    from_csv = read_csv(csv_response)
    xlsx_response = client.get(URL, {**query, "format": "xlsx"})
    assert "hours-ledger-2025-03-01-2025-03-31.xlsx" in xlsx_response["Content-Disposition"]
    from_xlsx = read_xlsx(xlsx_response)
    assert from_csv == from_xlsx
    assert from_csv[1] == ["开始日期", "2025-03-01"]
    assert from_csv[2][1] == "2025-03-31"
    assert from_csv[3][1] == fixture_rows["ecommerce"].name_zh
    assert from_csv[4][:3] == ["姓名", "身份证号", "手机号"]
    assert body(from_csv) == fixture_rows["all"][:3]


def test_all_groups_are_named_at_the_top_of_the_file(client, admin_user, fixture_rows):
    client.force_login(admin_user)
    rows = read_csv(client.get(URL, {**MARCH, "format": "csv"}))
    assert rows[3][1] == "全部服务团"
    assert body(rows) == fixture_rows["all"]


def test_xlsx_cells_are_typed_and_a_formula_stays_text(client, admin_user, fixture_rows):
    client.force_login(admin_user)
    response = client.get(URL, {**MARCH, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(drain(response))).active
    name, _id, _phone, _group, _title, date, hours, _by, approved = (
        cell for cell in next(sheet.iter_rows(min_row=9, max_row=9))
    )
    assert name.data_type == "s" and name.value.startswith("'=")
    assert date.value.isoformat() == "2025-03-20T00:00:00" and date.number_format == "yyyy-mm-dd"
    assert hours.value == 1.25
    assert approved.value.isoformat() == "2025-04-02T18:30:00"


# --- Queries -------------------------------------------------------------------------------


def make_entries(count: int, approver):
    activity = ActivityFactory(starts_at=local(2025, 3, 15, 9), capacity=None)
    for _ in range(count):
        signup = SignUpFactory(activity=activity, member=MemberFactory(national_id=ID))
        entry(signup, "2", approver=approver)


def queries_for(client, query) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, query)
        assert response.status_code == 200
        drain(response)  # a CSV's rows are read as it goes out
    return len(queries)


@pytest.mark.parametrize("fmt", ["", "csv", "xlsx"])
def test_the_page_and_the_files_take_a_fixed_number_of_queries(
    fmt, client, ecommerce, coordinator, ledger_clerk
):
    client.force_login(ledger_clerk)
    query = {**MARCH, "format": fmt}
    make_entries(5, coordinator)
    at_five = queries_for(client, query)
    make_entries(45, coordinator)
    assert queries_for(client, query) == at_five
    assert at_five <= 8, at_five  # session, account, permissions, groups, the entries


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"range": "custom", "start": "2025-03-31", "end": "2025-03-01"}, "end"),
        ({"range": "custom", "start": "garbage", "end": "2025-13-45"}, "start"),
        ({"range": "custom", "start": "2025-03-01"}, "end"),
        ({"range": "custom", "start": "1800-01-01", "end": "1800-02-01"}, "start"),
        ({"range": "decade"}, "range"),
        ({**MARCH, "group": "999999"}, "group"),
        ({**MARCH, "group": "abc"}, "group"),
        ({**MARCH, "group": "99999999999999999999999"}, "group"),
        ({**MARCH, "format": "pdf"}, "format"),
        ({"range": "custom", "start": "2025-03-31", "end": "2025-03-01", "format": "csv"}, "end"),
    ],
)
def test_bad_filters_give_a_form_error_and_no_file(client, admin_user, ecommerce, query, field):
    client.force_login(admin_user)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert not response.streaming
    assert field in response.context["form"].errors
    assert "entry_count" not in response.context
    assert b"form-error-summary" in response.content
