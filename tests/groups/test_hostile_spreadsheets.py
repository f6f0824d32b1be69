"""Hostile spreadsheets (issue 9, finding 6): refused early and cheaply, with a message on
the upload page, never a 500 and never a worker held for long. And the spool a preview
leaves behind expires (finding 12)."""

import io
import os
import time
import zipfile

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from openpyxl import Workbook

from members.models import Member

FAST = 3.0  # seconds: "a clear message within a few seconds"


@pytest.fixture(autouse=True)
def spool(settings, tmp_path):
    settings.IMPORT_SPOOL_DIR = tmp_path / "spool"
    # A file too large for a request is handed to the background (issue 13), whose
    # limits are larger; here they are the web's, so each hostile file meets one limit.
    settings.IMPORT_BACKGROUND_MAX_ROWS = settings.IMPORT_MAX_ROWS
    return settings.IMPORT_SPOOL_DIR


@pytest.fixture
def coordinator_client(client, coordinator, django_capture_on_commit_callbacks):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages asserted in English
    # What a request hands over after its commit (a large file's check) runs when the
    # request is done, as it would outside the test's transaction.
    client.committing = lambda: django_capture_on_commit_callbacks(execute=True)
    return client


def upload(client, content: bytes, name: str):
    started = time.monotonic()
    with client.committing():
        response = client.post(
            reverse("groups:roster-import", args=["ecommerce"]),
            {"file": SimpleUploadedFile(name, content)},
        )
    return response, time.monotonic() - started


def refusal(response) -> str:
    """The message refusing the file: on the upload form, or on the page of the
    background check a large file was handed to."""
    if response.status_code == 302:  # a large file: the background refused it
        page = response.client.get(response["Location"])
        job = page.context["job"]
        assert job.status == job.Status.FAILED and not page.context.get("report")
        assert escape(job.error) in page.content.decode()
        return job.error
    assert response.status_code == 200
    assert not response.context.get("report")  # no preview
    return " ".join(response.context["form"].errors["file"])


def spooled(spool) -> list[str]:
    return sorted(os.listdir(spool)) if spool.exists() else []


def csv_file(rows: int) -> bytes:
    return ("姓名,手机号\n" + "甲,13900000000\n" * rows).encode()


# --- Hand-made workbooks: streamed into a zip, so tests stay fast -----------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_END = b"</sheetData></worksheet>"


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> bytes:
    return f'<row r="1">{text_cell("A1", "姓名")}{text_cell("B1", "手机号")}</row>'.encode()


def workbook(chunks) -> bytes:
    """An .xlsx whose first sheet's XML is ``SHEET_START``, the chunks, ``SHEET_END``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START)
            for chunk in chunks:
                sheet.write(chunk)
            sheet.write(SHEET_END)
    return buffer.getvalue()


def member_rows(first: int, count: int) -> bytes:
    return "".join(
        f'<row r="{n}">{text_cell(f"A{n}", f"成员{n}")}{text_cell(f"B{n}", f"139{n:08d}")}</row>'
        for n in range(first, first + count)
    ).encode()


def rows_of_members(count: int, chunk: int = 10_000):
    yield header_row()
    for first in range(2, count + 2, chunk):
        yield member_rows(first, min(chunk, count + 2 - first))


def one_huge_cell(megabytes: int):
    yield header_row()
    yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
    block = b"A" * (1024 * 1024)
    for _ in range(megabytes):
        yield block
    yield b"</t></is></c></row>"


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """One cell that unpacks to 192 MB (as in the finding), a few hundred KB packed."""
    return workbook(one_huge_cell(192))


def test_the_hand_made_workbook_is_a_real_one(coordinator_client, ecommerce):
    """So the refusals below are about size, not about a broken file."""
    response, _ = upload(coordinator_client, workbook(rows_of_members(3)), "roster.xlsx")
    assert response.context["report"].new == 3


# --- Rows ---------------------------------------------------------------------------------


def test_a_csv_of_200000_rows_is_refused_within_seconds(coordinator_client, ecommerce, spool):
    members = Member.objects.count()
    response, elapsed = upload(coordinator_client, csv_file(200_000), "roster.csv")
    message = refusal(response)
    assert "more than 5000 rows" in message and "manage.py import_members" in message
    assert elapsed < FAST
    assert Member.objects.count() == members and spooled(spool) == []


def test_an_xlsx_over_the_row_limit_is_refused(coordinator_client, ecommerce, settings):
    settings.IMPORT_MAX_ROWS = settings.IMPORT_BACKGROUND_MAX_ROWS = 100
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["姓名", "手机号"])
    for n in range(101):
        sheet.append([f"成员{n}", f"139{n:08d}"])
    content = io.BytesIO()
    book.save(content)
    message = refusal(upload(coordinator_client, content.getvalue(), "roster.xlsx")[0])
    assert "more than 100 rows" in message and "manage.py import_members" in message
    assert not Member.objects.filter(phone__startswith="139").exists()

    settings.IMPORT_MAX_ROWS = settings.IMPORT_BACKGROUND_MAX_ROWS = 101  # at the limit: read
    assert (
        upload(coordinator_client, content.getvalue(), "roster.xlsx")[0].context["report"].new
        == 101
    )


def test_a_big_xlsx_is_streamed_and_stopped_at_the_limit(coordinator_client, ecommerce):
    """60,000 rows, 6 MB unpacked (under the cap): read only up to row 5001."""
    content = workbook(rows_of_members(60_000))
    response, elapsed = upload(coordinator_client, content, "roster.xlsx")
    assert "more than 5000 rows" in refusal(response)
    assert elapsed < FAST
    assert not Member.objects.filter(phone__startswith="139").exists()


def test_an_xlsx_that_unpacks_past_the_cap_is_refused_unopened(coordinator_client, ecommerce):
    """Half a million rows (65 MB of sheet XML, 8 MB packed): refused by the zip's
    directory alone. (Its rows repeat one block, as nobody reads them.)"""
    block = member_rows(2, 10_000)
    content = workbook([header_row(), *[block] * 50])
    assert len(content) < settings.IMPORT_MAX_UPLOAD_BYTES
    response, elapsed = upload(coordinator_client, content, "roster.xlsx")
    assert "unpacks to far more data" in refusal(response)
    assert elapsed < 1.0


def test_a_forged_sheet_size_is_ignored(coordinator_client, ecommerce):
    """A sheet that claims A1:XFD1048576: rows are not padded to 16,384 columns, nor a
    million of them generated."""
    content = workbook([header_row(), member_rows(2, 1)]).replace(
        b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>'
    )
    response, elapsed = upload(coordinator_client, content, "roster.xlsx")
    assert response.context["report"].new == 1
    assert elapsed < FAST


def test_a_cell_a_million_rows_down_is_refused_quickly(coordinator_client, ecommerce):
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    content = workbook([header_row(), member_rows(2, 1), far])
    response, elapsed = upload(coordinator_client, content, "roster.xlsx")
    assert "more than 5000 rows" in refusal(response)
    assert elapsed < FAST


def test_a_csv_of_blank_lines_is_refused_quickly(coordinator_client, ecommerce):
    content = "姓名,手机号\n".encode() + b"\r\n" * (8 * 1024 * 1024)
    response, elapsed = upload(coordinator_client, content, "roster.csv")
    assert "more than 5000 rows" in refusal(response)
    assert elapsed < FAST


# --- Zip bombs and files that are not what they claim --------------------------------------


def test_a_zip_bomb_cell_is_refused_without_being_unpacked(
    coordinator_client, ecommerce, zip_bomb, spool
):
    assert len(zip_bomb) < 2 * 1024 * 1024
    response, elapsed = upload(coordinator_client, zip_bomb, "roster.xlsx")
    message = refusal(response)
    assert "unpacks to far more data than a roster holds (192 MB)" in message
    assert elapsed < 1.0  # unpacking 192 MB alone takes longer than this
    assert spooled(spool) == []


def test_a_part_compressed_too_well_is_refused_under_the_size_cap(coordinator_client, ecommerce):
    content = workbook(one_huge_cell(10))  # 10 MB, under the 50 MB cap, but 1000:1
    assert "unpacks to far more data" in refusal(upload(coordinator_client, content, "r.xlsx")[0])


def test_a_row_of_a_million_cells_is_refused_before_parsing(coordinator_client, ecommerce):
    """openpyxl parses a row whole (a million cells: ten seconds nothing interrupts), so
    cells are counted in the packed parts first. Varied values: no suspicious ratio."""
    cells = "".join(f'<c r="A2"><v>{n}</v></c>' for n in range(1_000_000)).encode()
    content = workbook([header_row(), b'<row r="2">', cells, b"</row>"])
    response, elapsed = upload(coordinator_client, content, "roster.xlsx")
    assert "holds more cells than a roster of 5000 rows" in refusal(response)
    assert elapsed < 1.0


def test_too_many_shared_strings_are_refused_before_parsing(
    coordinator_client, ecommerce, settings
):
    """openpyxl reads the shared strings whole when it opens a workbook."""
    settings.IMPORT_MAX_ROWS = settings.IMPORT_BACKGROUND_MAX_ROWS = 10  # 11 x 40 cells, strings
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(500)).encode()
    buffer = io.BytesIO(workbook(rows_of_members(3)))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + strings + b"</sst>")
    assert "holds more cells" in refusal(upload(coordinator_client, buffer.getvalue(), "r.xlsx")[0])
    settings.IMPORT_MAX_ROWS = settings.IMPORT_BACKGROUND_MAX_ROWS = 20
    assert upload(coordinator_client, buffer.getvalue(), "r.xlsx")[0].context["report"].new == 3


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"plain text, not a zip", "roster.xlsx", "not an Excel (.xlsx) file"),
        (os.urandom(64 * 1024), "roster.xlsx", "not an Excel (.xlsx) file"),
        (b"PK\x03\x04" + os.urandom(4096), "roster.xlsx", "not an Excel (.xlsx) file"),
        (b"\x00\x01" + os.urandom(64 * 1024), "roster.csv", "not a CSV text file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "roster.csv", "not a CSV text file"),
    ],
    ids=["text", "junk", "broken-zip", "junk-csv", "png-csv"],
)
def test_files_that_are_not_spreadsheets_get_a_message(
    coordinator_client, ecommerce, content, name, expected
):
    response, elapsed = upload(coordinator_client, content, name)
    assert expected in refusal(response)
    assert elapsed < FAST


def test_a_truncated_workbook_is_refused(coordinator_client, ecommerce):
    content = workbook(rows_of_members(50))
    message = refusal(upload(coordinator_client, content[: len(content) // 2], "r.xlsx")[0])
    assert "not an Excel (.xlsx) file" in message or "cannot be read" in message


def test_a_stray_comma_names_its_row(coordinator_client, ecommerce):
    content = "姓名,手机号\n甲,13900000001\n乙,13900000002,多余\n".encode()
    assert "Row 3 has more cells" in refusal(upload(coordinator_client, content, "r.csv")[0])


def test_the_upload_size_is_capped_before_reading(coordinator_client, ecommerce, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    message = refusal(upload(coordinator_client, csv_file(100_000), "roster.csv")[0])
    assert "too large: at most 1 MB" in message


# --- The time budget ----------------------------------------------------------------------


def test_a_preview_over_the_time_budget_stops_with_a_message(
    coordinator_client, ecommerce, settings, spool
):
    settings.IMPORT_TIME_BUDGET_SECONDS = settings.IMPORT_BACKGROUND_TIME_BUDGET_SECONDS = 0
    response, _ = upload(coordinator_client, csv_file(3), "roster.csv")
    message = refusal(response)
    assert "took longer than 0 seconds" in message and "manage.py import_members" in message
    assert spooled(spool) == []


def test_a_confirmation_over_the_time_budget_saves_nothing(coordinator_client, ecommerce, settings):
    content = "姓名,手机号\n甲,13900000001\n乙,13900000002\n".encode()
    preview, _ = upload(coordinator_client, content, "roster.csv")
    settings.IMPORT_TIME_BUDGET_SECONDS = settings.IMPORT_BACKGROUND_TIME_BUDGET_SECONDS = 0
    with coordinator_client.committing():
        handed_over = coordinator_client.post(
            reverse("groups:roster-import-confirm", args=["ecommerce"]),
            {"token": preview.context["token"]},
        )
    done = coordinator_client.get(handed_over["Location"])
    assert done.status_code == 200
    assert "took longer than 0 seconds" in done.content.decode()
    assert not Member.objects.filter(phone__startswith="139").exists()


# --- Django admin's member import: the same limits ----------------------------------------


def admin_import(client, content: bytes, name: str, fmt: str):
    return client.post(
        reverse("admin:members_member_import"),
        {"import_file": SimpleUploadedFile(name, content), "format": fmt, "resource": "0"},
    )


def test_admin_import_has_the_same_limits(admin_client, settings, zip_bomb, spool):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    members = Member.objects.count()
    started = time.monotonic()
    response = admin_import(admin_client, csv_file(200_000), "m.csv", "0")
    assert "more than 5000 rows" in str(response.context["form"].errors["import_file"])
    response = admin_import(admin_client, zip_bomb, "m.xlsx", "1")
    assert "unpacks to far more data" in str(response.context["form"].errors["import_file"])
    assert time.monotonic() - started < 2 * FAST
    assert spooled(spool) == []  # a refused file is not kept
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    response = admin_import(admin_client, csv_file(1000), "m.csv", "0")
    assert "too large" in str(response.context["form"].errors["import_file"])
    assert Member.objects.count() == members

    settings.IMPORT_MAX_UPLOAD_BYTES = 1024 * 1024
    settings.IMPORT_TIME_BUDGET_SECONDS = 0
    response = admin_import(admin_client, csv_file(3), "m.csv", "0")
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "took longer than 0 seconds" in page
    assert Member.objects.count() == members


def test_admin_import_spools_where_previews_expire(admin_client, spool, settings):
    content = "姓名,手机号\n后台,13900000008\n".encode()
    response = admin_import(admin_client, content, "m.csv", "0")
    (name,) = spooled(spool)
    assert name.startswith("admin-")
    os.utime(spool / name, (time.time() - 2 * 86400,) * 2)
    call_command("expire_imports")
    assert spooled(spool) == []
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    done = admin_client.post(
        reverse("admin:members_member_process_import"),
        dict(response.context["confirm_form"].initial),
        follow=True,
    )
    assert done.status_code == 200
    assert "This import has expired" in done.content.decode()
    assert not Member.objects.filter(phone="13900000008").exists()


# --- Spooled previews expire (finding 12) ----------------------------------------------------


def make_old(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_a_new_preview_sweeps_out_expired_spool_files(coordinator_client, ecommerce, spool):
    first, _ = upload(coordinator_client, "姓名,手机号\n甲,13900000001\n".encode(), "a.csv")
    old = first.context["token"]
    assert spooled(spool) == [old]
    make_old(spool / old, hours=25)
    second, _ = upload(coordinator_client, "姓名,手机号\n乙,13900000002\n".encode(), "b.csv")
    assert spooled(spool) == [second.context["token"]]
    # The old token is gone from the session too.
    assert list(coordinator_client.session["roster_imports"]) == [second.context["token"]]


def test_confirming_an_expired_preview_says_so(coordinator_client, ecommerce, spool):
    preview, _ = upload(coordinator_client, "姓名,手机号\n甲,13900000001\n".encode(), "a.csv")
    token = preview.context["token"]
    make_old(spool / token, hours=25)  # expired, not yet swept: still refused
    done = coordinator_client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]), {"token": token}, follow=True
    )
    assert done.status_code == 200
    assert "This import has expired" in done.content.decode()
    assert not Member.objects.filter(phone="13900000001").exists()
    assert spooled(spool) == []


def test_confirming_a_swept_preview_says_so(coordinator_client, ecommerce, spool):
    preview, _ = upload(coordinator_client, "姓名,手机号\n甲,13900000001\n".encode(), "a.csv")
    (spool / preview.context["token"]).unlink()
    done = coordinator_client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]),
        {"token": preview.context["token"]},
        follow=True,
    )
    assert "This import has expired" in done.content.decode()


def test_the_expire_imports_command_removes_only_old_files(db, spool, settings, capsys):
    settings.IMPORT_SPOOL_MAX_AGE_HOURS = 24
    spool.mkdir(parents=True)
    for name, hours in (("old-preview", 30), ("admin-old", 25), ("fresh-preview", 2)):
        (spool / name).write_bytes(b"x")
        make_old(spool / name, hours)
    call_command("expire_imports")
    assert spooled(spool) == ["fresh-preview"]
    assert "Removed 2" in capsys.readouterr().out


# --- A large confirmed import (finding 12) ---------------------------------------------------


def invite_queries(coordinator, group, count: int, first: int) -> int:
    import tablib
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from groups.imports import invite_imported, roster_import

    dataset = tablib.Dataset(headers=["姓名", "手机号", "电子邮箱"])
    for n in range(first, first + count):
        dataset.append([f"成员{n}", f"139{n:08d}", f"m{n}@example.org"])
    assert roster_import(actor=coordinator, group=group, dataset=dataset, dry_run=False).committed
    with CaptureQueriesContext(connection) as queries:
        report = invite_imported(actor=coordinator, dataset=dataset)
    assert report.invited == count
    return len(queries)


def test_inviting_an_imported_file_is_a_few_queries_plus_one_outbox_row_each(
    coordinator, ecommerce
):
    """The cause of the 500: invitations went one by one (about ten queries and 20 ms
    each), so a 30,000-row file held the request for ten minutes after the import had
    committed. Now the queries do not grow with the file but for the email each."""
    small = invite_queries(coordinator, ecommerce, 3, first=0)
    large = invite_queries(coordinator, ecommerce, 30, first=100)
    assert large - small <= 27


def test_an_xlsx_with_huge_styles_is_refused_unopened(coordinator_client, ecommerce):
    """openpyxl parses styles.xml whole, out of the time budget's reach (review of issue
    9: 25 MB of styles, packed 5:1, took 11 s): parts other than sheets are capped."""
    buffer = io.BytesIO(workbook(rows_of_members(3)))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/styles.xml", os.urandom(3 * 2**20).hex().encode())  # 6 MB
    started = time.monotonic()
    response, _ = upload(coordinator_client, buffer.getvalue(), "roster.xlsx")
    assert time.monotonic() - started < 3
    assert "unpacks to far more data" in refusal(response)
    assert not Member.objects.filter(full_name__startswith="成员").exists()


# --- On object storage (issue 13) -------------------------------------------------------------


def test_with_object_storage_a_preview_waits_in_the_bucket_for_any_server(
    coordinator_client, ecommerce, spool, object_storage
):
    """Several app servers share no disk: the preview's file waits in the private bucket,
    where the server that takes the confirmation finds it, and is gone once used."""
    from tests.conftest import s3_client

    bucket = s3_client(object_storage)

    def waiting() -> list[str]:
        listed = bucket.list_objects_v2(Bucket="portal-media", Prefix="import-spool/")
        return [entry["Key"] for entry in listed.get("Contents", [])]

    preview, _ = upload(coordinator_client, "姓名,手机号\n甲,13900000001\n".encode(), "a.csv")
    token = preview.context["token"]
    assert waiting() == [f"import-spool/{token}"] and spooled(spool) == []
    done = coordinator_client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]), {"token": token}, follow=True
    )
    assert done.status_code == 200
    assert Member.objects.filter(phone="13900000001").exists()
    assert waiting() == []
    again = coordinator_client.post(
        reverse("groups:roster-import-confirm", args=["ecommerce"]), {"token": token}, follow=True
    )
    assert "This import has expired" in again.content.decode()


def test_the_expire_imports_command_sweeps_the_bucket_too(db, object_storage, settings, capsys):
    from members import spool as spool_module

    token = spool_module.spool_save(b"x")
    assert spool_module.spool_exists(token)
    settings.IMPORT_SPOOL_MAX_AGE_HOURS = -1  # everything is old now
    call_command("expire_imports")
    assert "Removed 1" in capsys.readouterr().out
    assert spool_module.spool_read(token) is None


def test_with_object_storage_django_admins_import_waits_in_the_bucket_too(
    admin_client, spool, object_storage
):
    """Issue 13: Django admin's member import shares the roster page's spool, so its
    preview is confirmed by whichever app server takes the confirmation; and a GB18030 CSV
    reads there as on the roster page."""
    from tests.conftest import s3_client

    bucket = s3_client(object_storage)

    def waiting() -> list[str]:
        listed = bucket.list_objects_v2(Bucket="portal-media", Prefix="import-spool/")
        return [entry["Key"] for entry in listed.get("Contents", [])]

    content = "姓名,手机号\n后台导入,13900000018\n".encode("gb18030")
    preview = admin_import(admin_client, content, "m.csv", "0")
    assert preview.status_code == 200 and "confirm_form" in preview.context, preview.context.get(
        "form"
    ).errors
    (key,) = waiting()
    assert key.startswith("import-spool/admin-") and spooled(spool) == []
    done = admin_client.post(
        reverse("admin:members_member_process_import"),
        dict(preview.context["confirm_form"].initial),
        follow=True,
    )
    assert done.status_code == 200
    assert Member.objects.filter(phone="13900000018", full_name="后台导入").exists()
    assert waiting() == []  # used once
