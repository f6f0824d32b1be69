"""Roster export (CSV, XLSX) and import (preview, all or nothing, round trip)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from groups.models import Membership
from members.models import Member, Skill
from members.resources import HEADERS
from tests.factories import MemberFactory, MembershipFactory

VALID_ID = "11010519491231002X"


@pytest.fixture
def roster_members(ecommerce):
    tax = Skill.objects.get(name="税法")
    accountant = Skill.objects.get(name="会计")
    first = MemberFactory(
        full_name="王会计",
        phone="13800000001",
        national_id=VALID_ID,
        personnel_category="intermediary",
        political_status="cpc",
        district="longhai",
        employer='=HYPERLINK("http://evil")',
        bio="-都写上了",
        birth_year=1980,
        available_weekends=True,
    )
    first.skills.add(tax, accountant)
    second = MemberFactory(full_name="李主播", phone="13800000002", personnel_category="new_media")
    for member in (first, second):
        MembershipFactory(member=member, group=ecommerce)
    return first, second


def export(client, fmt="csv", query=""):
    response = client.get(reverse("groups:roster-export", args=["ecommerce", fmt]) + query)
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # so Excel reads Chinese correctly
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_export_has_the_columns_a_bom_and_escaped_formulas(client, coordinator, roster_members):
    client.force_login(coordinator)
    response, content = export(client)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(content)
    assert rows[0] == HEADERS
    record = dict(zip(rows[0], rows[2], strict=True))  # ordered by name: 李主播, 王会计
    assert record["姓名"] == "王会计" and record["手机号"] == "13800000001"
    assert record["工作单位"] == '\'=HYPERLINK("http://evil")'  # not a live formula
    assert record["个人简介"] == "'-都写上了"
    assert record["人员类别"] == "中介组织和社会组织从业人员"
    assert record["专长技能"] == "会计、税法"
    assert record["周末可参加"] == "是"


def test_a_coordinator_exports_identity_numbers_masked_and_an_admin_in_full(
    client, coordinator, admin_user, roster_members
):
    client.force_login(coordinator)
    content = export(client)[1].decode("utf-8-sig")
    assert "110***********002X" in content and VALID_ID not in content
    client.force_login(admin_user)
    assert VALID_ID in export(client)[1].decode("utf-8-sig")


def test_export_takes_the_rosters_filters(client, coordinator, roster_members):
    client.force_login(coordinator)
    rows = csv_rows(export(client, query="?personnel_category=new_media")[1])
    assert [row[0] for row in rows[1:]] == ["李主播"]


def test_xlsx_export_opens_in_a_spreadsheet(client, coordinator, roster_members):
    client.force_login(coordinator)
    response, content = export(client, "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert list(rows[0]) == HEADERS
    assert {rows[1][0], rows[2][0]} == {"王会计", "李主播"}


def upload(client, content: bytes, name: str):
    return client.post(
        reverse("groups:roster-import", args=["ecommerce"]),
        {"file": SimpleUploadedFile(name, content)},
    )


def confirm(client, preview):
    return client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]),
        {"token": preview.context["token"]},
        follow=True,
    )


def table(rows, headers=("姓名", "手机号", "人员类别", "专长技能")) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_import_previews_then_creates_and_updates_on_confirmation(
    client, coordinator, roster_members, ecommerce
):
    client.force_login(coordinator)
    content = table(
        [
            ["新成员", "13900000001", "自由职业人员", "税法，会计"],
            ["王会计", "13800000001", "Staff of an intermediary or social organisation", "审计"],
        ]
    )
    preview = upload(client, content, "roster.csv")
    report = preview.context["report"]
    assert (report.new, report.updated, report.problems) == (1, 1, [])
    assert not Member.objects.filter(phone="13900000001").exists()  # a preview writes nothing

    done = confirm(client, preview)
    assert "新增 1 人" in done.content.decode()
    new = Member.objects.get(phone="13900000001")
    assert new.personnel_category == "freelancer"
    assert sorted(s.name for s in new.skills.all()) == ["会计", "税法"]
    assert new.memberships.get(group=ecommerce).status == "active"
    assert [s.name for s in Member.objects.get(phone="13800000001").skills.all()] == ["审计"]
    assert new.history.first().history_change_reason == "import"


def test_one_bad_row_and_nothing_is_imported(client, coordinator, roster_members, ecommerce):
    client.force_login(coordinator)
    content = table(
        [
            ["好成员", "13900000001", "自由职业人员", "税法"],
            ["坏手机", "12345", "自由职业人员", ""],
            ["坏类别", "13900000003", "外星人", "不存在的技能"],
            ["重复", "13900000001", "", ""],
        ]
    )
    preview = upload(client, content, "roster.csv")
    report = preview.context["report"]
    problems = {(p.row, p.column) for p in report.problems}
    assert {(3, "手机号"), (4, "人员类别"), (4, "专长技能"), (5, "手机号")} <= problems
    assert preview.context["token"] is None  # no way to confirm
    html = preview.content.decode()
    assert "不会导入任何数据" in html and "外星人" in html
    assert not Member.objects.filter(phone__startswith="139").exists()


def test_the_service_itself_rolls_everything_back_on_one_bad_row(coordinator, ecommerce):
    import tablib

    from groups.imports import roster_import

    dataset = tablib.Dataset(headers=["姓名", "手机号"])
    dataset.append(["甲", "13900000001"])
    dataset.append(["", "13900000002"])  # a name is required
    report = roster_import(actor=coordinator, group=ecommerce, dataset=dataset, dry_run=False)
    assert not report.committed and report.problems[0].row == 3
    assert not Member.objects.filter(phone__startswith="139").exists()
    assert not Membership.objects.filter(group=ecommerce).exists()


def test_an_exported_roster_reimports_with_no_changes(
    client, coordinator, admin_user, roster_members
):
    for user in (coordinator, admin_user):  # masked and unmasked identity numbers
        client.force_login(user)
        for fmt in ("csv", "xlsx"):
            content = export(client, fmt)[1]
            report = upload(client, content, f"roster.{fmt}").context["report"]
            assert (report.new, report.updated, report.unchanged) == (0, 0, 2), report.problems
    first = Member.objects.get(phone="13800000001")
    assert first.national_id == VALID_ID
    assert first.employer == '=HYPERLINK("http://evil")'


@pytest.mark.parametrize("reveal", [False, True])
def test_export_rows_are_the_resources_own_cells(ecommerce, roster_members, reveal):
    """The export reads plain values (fast), but each cell is what the import-export
    resource (Django admin's export, the import's reader) makes of the member."""
    from datetime import date

    from groups.exports import roster_rows
    from groups.views.roster import roster_queryset
    from members.resources import MemberResource

    odd = MemberFactory(
        full_name="+赵\x07控制",
        phone="13800000003",
        birth_date=date(1990, 2, 28),
        birth_year=1990,
        gender="female",
        education="master",
        industry="finance",
        qualifications="@注册会计师",
        available_weekdays=True,
        available_evenings=True,
        email="zhao@example.com",
    )
    odd.skills.add(*Skill.objects.all()[:3])
    MembershipFactory(member=odd, group=ecommerce)
    queryset = roster_queryset(ecommerce).order_by("pk")
    resource = MemberResource(reveal_national_id=reveal)
    expected = [resource.export_resource(member) for member in queryset]
    assert list(roster_rows(queryset, reveal_national_id=reveal)) == expected
    assert len({tuple(row) for row in expected}) == 3


def test_the_exports_queries_do_not_grow_with_the_roster(client, coordinator, ecommerce):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    skills = list(Skill.objects.all()[:2])

    def add(n):
        for _ in range(n):
            member = MemberFactory()
            member.skills.add(*skills)
            MembershipFactory(member=member, group=ecommerce)

    client.force_login(coordinator)
    counts = []
    for n in (5, 45):
        add(n)
        for fmt in ("csv", "xlsx"):
            with CaptureQueriesContext(connection) as captured:
                response, content = export(client, fmt)
            counts.append(len(captured))
        active = Membership.objects.filter(group=ecommerce, status=Membership.Status.ACTIVE)
        assert len(csv_rows(export(client)[1])) == 1 + active.count()
    assert counts[:2] == counts[2:], counts


def a_zip_that_is_not_a_workbook() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def test_files_that_are_not_what_they_claim_are_refused(client, coordinator, ecommerce):
    client.force_login(coordinator)
    cases = [
        (a_zip_that_is_not_a_workbook(), "roster.xlsx", "无法读取"),
        (b"plain text", "roster.xlsx", "不是 Excel"),
        (b"\x00\x01\x02binary", "roster.csv", "不是 CSV"),
        (b"name,phone\n", "roster.pdf", ".csv 或 .xlsx"),
        (table([], headers=("姓名", "电话号码")), "roster.csv", "电话号码"),
        (table([], headers=("姓名",)), "roster.csv", "缺少必填列"),
        ("姓名,手机号\n测试,13900000001\n".encode("utf-16"), "roster.csv", "不是 CSV"),
        (b"\xff\xfe\xff,\xff\n", "roster.csv", "编码"),
    ]
    for content, name, message in cases:
        response = upload(client, content, name)
        assert response.status_code == 200
        assert message in str(response.context["form"].errors["file"]), name


def test_excel_style_gb18030_csv_is_read(client, coordinator, ecommerce):
    client.force_login(coordinator)
    content = "姓名,手机号\n国标编码,13900000001\n".encode("gb18030")
    report = upload(client, content, "roster.csv").context["report"]
    assert report.new == 1 and report.new_names == ["国标编码"]


def test_english_headers_and_phones_written_as_numbers_are_accepted(client, coordinator, ecommerce):
    client.force_login(coordinator)
    content = b"Full name,Mobile phone,District\nTest,13900000001.0,Longhai District\n"
    report = upload(client, content, "roster.csv").context["report"]
    assert report.ok and report.new == 1


def test_a_coordinator_cannot_import_identity_numbers(client, coordinator, ecommerce):
    client.force_login(coordinator)
    content = table([["甲", "13900000001", VALID_ID]], headers=("姓名", "手机号", "身份证号"))
    report = upload(client, content, "roster.csv").context["report"]
    assert [(p.row, p.column) for p in report.problems] == [(2, "身份证号")]


def test_an_expired_or_foreign_token_imports_nothing(client, coordinator, ecommerce):
    client.force_login(coordinator)
    response = client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]),
        {"token": "../../etc/passwd"},
        follow=True,
    )
    assert "已过期" in response.content.decode()


def test_the_template_has_the_roster_columns(client, db):
    response = client.get(reverse("groups:roster-import-template", args=["ecommerce", "csv"]))
    assert csv_rows(response.content) == [HEADERS]
    response = client.get(reverse("groups:roster-import-template", args=["ecommerce", "xlsx"]))
    assert list(next(load_workbook(io.BytesIO(response.content)).active.values)) == HEADERS


def test_the_import_command_shares_the_checks_and_the_report(tmp_path, ecommerce, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(table([["命令行", "13900000009", "自由职业人员", "税法"]]))
    call_command("import_members", "ecommerce", str(good), "--dry-run")
    assert "1 new" in capsys.readouterr().out
    assert not Member.objects.filter(phone="13900000009").exists()
    call_command("import_members", "ecommerce", str(good))
    assert Member.objects.get(phone="13900000009").memberships.get().group == ecommerce

    bad = tmp_path / "bad.csv"
    bad.write_bytes(table([["坏", "123", "", ""]]))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_members", "ecommerce", str(bad))
    assert "row 2 [手机号]" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No service group"):
        call_command("import_members", "nope", str(good))


def test_a_large_import_holds_a_window_of_members_not_all(
    client, admin_user, ecommerce, monkeypatch
):
    """Issue 12: re-checking an unchanged 50,000-row file took 904 MB. Members are loaded
    a window at a time, and no copy of a member stays in the result: the report of an
    unchanged file is still right, and updates still show what changes."""
    from groups.imports import read_table, roster_import
    from members.resources import MemberResource, WindowedInstanceLoader

    monkeypatch.setattr(WindowedInstanceLoader, "WINDOW", 3)
    members = [MemberFactory(phone=f"1380000{i:04d}", employer="旧单位") for i in range(8)]
    for member in members:
        MembershipFactory(member=member, group=ecommerce)
    client.force_login(admin_user)
    content = export(client)[1]
    held = []
    original_get = WindowedInstanceLoader.get_instance

    def spy(loader, row):
        held.append(len(loader.members))
        return original_get(loader, row)

    monkeypatch.setattr(WindowedInstanceLoader, "get_instance", spy)
    report = roster_import(
        actor=None, group=ecommerce, dataset=read_table(content, "r.csv"), dry_run=True
    )
    assert (report.new, report.updated, report.unchanged) == (0, 0, 8)
    assert max(held) <= 3

    changed = content.decode("utf-8-sig").replace("旧单位", "新单位", 1).encode()
    resource = MemberResource(reveal_national_id=True)
    result = resource.import_data(read_table(changed, "r.csv"), dry_run=True)
    assert [row.import_type for row in result.rows].count("update") == 1
    assert all(row.original is None and row.instance is None for row in result.rows)
    update = next(row.update for row in result.rows if row.import_type == "update")
    assert [(c.column, c.old, c.new) for c in update.changes] == [("工作单位", "旧单位", "新单位")]


@pytest.mark.django_db
def test_an_import_that_kept_its_members_does_not_make_the_next_one_keep_them(ecommerce):
    """django-import-export 4.4 turns ``Meta.store_instance`` on for good once an import asks
    to keep the members (Django admin's does): a later 50,000-row import in the same process
    would hold every member again."""
    from groups.imports import read_table
    from members.resources import MemberResource

    MembershipFactory(member=MemberFactory(phone="13800001111", employer="旧单位"), group=ecommerce)
    table = "手机号,姓名,工作单位\n13800001111,张三,新单位\n".encode()
    kept = MemberResource().import_data(
        read_table(table, "r.csv"), dry_run=True, retain_instance_in_row_result=True
    )
    assert kept.rows[0].instance is not None
    later = MemberResource().import_data(read_table(table, "r.csv"), dry_run=True)
    assert later.rows[0].import_type == "update" and later.rows[0].instance is None
