"""The hours ledger: every approved hours entry of the activities that started in a period
(in one group or all), one row per volunteer and activity, for bulk entry into the national
volunteer record system.

Only current entries count: a correction supersedes the entry it corrects, so an entry
never counts twice. The rows come from one query (joins, no query per row), read in chunks
of ``CHUNK``; the CSV is streamed line by line and the XLSX built by openpyxl's write-only
mode in a temporary file, so neither holds the ledger in memory.

Every translated text (headings, the filters written at the top, group names) is worked out
when the ledger is made, in the request's language: a streamed CSV is written after the view
has returned.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from activities.models import ServiceHours
from groups.exports import CSV_TYPE, XLSX_TYPE
from groups.models import ServiceGroup
from members.cells import export_cell
from members.selectors import by_name
from members.validators import mask_middle
from reports.periods import Period

CHUNK = 2000
FORMATS = ("xlsx", "csv")
SPOOL_IN_MEMORY = 4 * 1024 * 1024  # a larger workbook goes to disk
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths in the workbook (characters), in the order of ``headings()``.
WIDTHS = (12, 22, 14, 18, 30, 12, 8, 12, 18)

FIELDS = (
    "signup__member__full_name",
    "signup__member__national_id",
    "signup__member__phone",
    "signup__activity__group_id",
    "signup__activity__title",
    "signup__activity__starts_at",
    "hours",
    "approved_by__member__full_name",
    "approved_by__username",
    "approved_at",
)


def ledger_entries(period: Period, group: ServiceGroup | None = None):
    """The approved, current hours entries of the activities that started in ``period``,
    in ``group`` when one is given; in the ledger's order (activity date, activity, member
    name in pinyin order, as on the roster)."""
    entries = ServiceHours.objects.filter(
        status=ServiceHours.Status.APPROVED,
        is_current=True,
        signup__activity__starts_at__gte=period.start_at,
        signup__activity__starts_at__lt=period.end_at,
    )
    if group is not None:
        entries = entries.filter(signup__activity__group=group)
    return entries.order_by(
        "signup__activity__starts_at",
        "signup__activity_id",
        by_name("signup__member__full_name"),
        "signup__member_id",
        "pk",
    )


def headings() -> list[str]:
    return [
        _("Name"),
        _("Identity number"),
        _("Mobile phone"),
        _("Group"),
        _("Activity"),
        _("Date"),
        _("Hours"),
        _("Approved by"),
        _("Approved at"),
    ]


@dataclass
class Ledger:
    """One export: the filters, whether identity numbers go out in full, and what is
    translated up front (see the module's docstring)."""

    period: Period
    group: ServiceGroup | None
    full_ids: bool
    title: str = field(init=False)
    preamble: list[list[str]] = field(init=False)
    columns: list[str] = field(init=False)
    group_names: dict[int, str] = field(init=False)

    def __post_init__(self):
        self.title = _("Hours ledger")
        self.preamble = [
            [self.title],
            [_("From"), self.period.start.isoformat()],
            [_("To"), self.period.end.isoformat()],
            [_("Group"), self.group.name if self.group else _("All groups")],
        ]
        self.columns = headings()
        if self.group is not None:
            self.group_names = {self.group.pk: self.group.name}
        else:  # the names in the active language: a short table, one query
            self.group_names = {group.pk: group.name for group in ServiceGroup.objects.all()}

    def entries(self):
        return ledger_entries(self.period, self.group)

    def count(self) -> int:
        return self.entries().count()

    def filename(self, fmt: str) -> str:
        return f"hours-ledger-{self.period.start:%Y-%m-%d}-{self.period.end:%Y-%m-%d}.{fmt}"

    def rows(self):
        """One list per entry: text, the activity's local date, the hours (``Decimal``) and
        the approval time (local, naive: a spreadsheet has no time zones)."""
        for (
            name,
            national_id,
            phone,
            group_id,
            title,
            starts_at,
            hours,
            approver_name,
            approver_username,
            approved_at,
        ) in self.entries().values_list(*FIELDS).iterator(chunk_size=CHUNK):
            if national_id and not self.full_ids:
                national_id = mask_middle(national_id, 3, 4)
            yield [
                name,
                national_id,
                phone,
                self.group_names.get(group_id, ""),
                title,
                timezone.localtime(starts_at).date(),
                hours,
                approver_name or approver_username or "",
                _local_naive(approved_at),
            ]


def _local_naive(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0)


# --- CSV -----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands the line back (Django's streaming CSV recipe)."""

    def write(self, value):
        return value


def csv_text(value) -> str:
    """A cell as CSV text: dates ISO, hours without trailing zeros, text formula-escaped."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return export_cell(str(value))


def csv_response(ledger: Ledger) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # the byte-order mark makes Excel read the file as UTF-8
        for row in ledger.preamble:
            yield writer.writerow([export_cell(text) for text in row])
        yield writer.writerow([export_cell(text) for text in ledger.columns])
        for row in ledger.rows():
            yield writer.writerow([csv_text(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{ledger.filename("csv")}"'
    return response


# --- XLSX ----------------------------------------------------------------------------------


def xlsx_response(ledger: Ledger) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(ledger.title))
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in ledger.preamble:
        sheet.append([export_cell(text) for text in row])
    sheet.append([export_cell(text) for text in ledger.columns])
    for row in ledger.rows():
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - FileResponse closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=ledger.filename("xlsx"), content_type=XLSX_TYPE
    )


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        return export_cell(value)
    return value


def _sheet_title(title: str) -> str:
    """A worksheet's name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:31] or "Ledger"


def ledger_response(ledger: Ledger, fmt: str):
    return xlsx_response(ledger) if fmt == "xlsx" else csv_response(ledger)
