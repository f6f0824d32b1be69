"""Reading an uploaded spreadsheet without letting it tie up the server.

A roster file comes from outside, so it is read defensively, cheaply refused before the
costly part (django-import-export's row checks) when it is too much for a web request:

- the upload itself is capped (``IMPORT_MAX_UPLOAD_BYTES``);
- an XLSX is first opened as the zip it is, and refused when its parts would unpack to
  more than ``IMPORT_MAX_UNPACKED_BYTES`` or one part is compressed suspiciously well
  (a "zip bomb"), before anything is decompressed; then its cells and shared strings
  are counted in a streaming pass (cheap) before openpyxl parses anything (costly);
- rows are streamed (openpyxl's read-only mode, the csv module) and counted as they come:
  the web stops at ``IMPORT_MAX_ROWS`` + 1 (larger files go through ``manage.py
  import_members``), or at ten times as many lines counting blank ones;
- reading and checking stop once ``IMPORT_TIME_BUDGET_SECONDS`` have passed.

Django admin's member import reads through the same functions (``LimitedImportForm``,
``LimitedCSV``, ``LimitedXLSX``).
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import tablib
from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from import_export.formats import base_formats
from import_export.forms import ImportForm

# The roster has 20 columns; cells further right than this are never looked at.
MAX_COLUMNS = 100
# A legitimate workbook has a dozen parts; a part that unpacks to more than this many
# times its packed size, and to more than a megabyte, is a zip bomb, not a roster.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 2000
# The workbook's other parts (styles, the workbook itself, relationships) are parsed whole
# by openpyxl, beyond the reach of the time budget: a real roster's are far smaller.
MAX_AUXILIARY_PART_BYTES = 4 * 2**20
# openpyxl reads the shared strings whole when it opens a workbook, and each row whole,
# at a few microseconds an element: a million tiny strings, or one row of a million
# cells, fit in 20 MB and take ten seconds nothing can interrupt. So the web counts
# cells (``<c>``) and shared strings (``<si>``) in the packed parts first, and refuses
# more than a roster of ``IMPORT_MAX_ROWS`` rows can hold (20 columns; twice that here).
ELEMENTS_PER_ROW = 40
CELL_OR_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?(?:c|si)[\s/>]")
COMMAND = "manage.py import_members"


class ImportFileError(Exception):
    """The file as a whole cannot be read or is too much; the message is for the user."""


class TooLargeForNow(ImportFileError):
    """More rows, or more time, than these limits allow: the roster page hands such a file
    to the background (``groups.jobs``), whose limits are larger."""


class ImportTooSlow(TooLargeForNow):
    pass


@dataclass
class TimeBudget:
    """Seconds a web request may spend reading and checking one file."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def check(self) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise ImportTooSlow(
                _(
                    "Checking this file took longer than %(seconds)s seconds, so it was "
                    "stopped and nothing was saved. Split it into smaller files, or ask an "
                    "administrator to import it from the command line (%(command)s)."
                )
                % {"seconds": f"{self.seconds:g}", "command": COMMAND}
            )


@dataclass(frozen=True)
class ReadLimits:
    """What a file may cost to read; ``None`` is no limit (the command line)."""

    max_rows: int | None = None
    max_unpacked_bytes: int | None = None
    budget: TimeBudget | None = None

    @classmethod
    def for_web(cls) -> ReadLimits:
        """The web's limits, with the time budget starting now."""
        return cls(
            max_rows=settings.IMPORT_MAX_ROWS,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            budget=TimeBudget(settings.IMPORT_TIME_BUDGET_SECONDS),
        )


NO_LIMITS = ReadLimits()


def check_upload_size(size: int) -> None:
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if size > limit:
        raise ImportFileError(
            _("The file is too large: at most %(size)s MB.") % {"size": f"{limit / 2**20:g}"}
        )


# --- The two formats -------------------------------------------------------------------


def csv_rows(text: str) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error:
        raise ImportFileError(_("This CSV file cannot be read.")) from None


def decode_csv(content: bytes) -> str:
    if b"\0" in content[:4096]:
        raise ImportFileError(_("This is not a CSV text file, whatever its name says."))
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("The CSV file's text encoding is not UTF-8 or GB18030."))


def check_xlsx_archive(
    content: bytes, *, max_unpacked_bytes: int | None, max_rows: int | None = None
) -> None:
    """Refuse a workbook by its zip directory alone, before anything is unpacked.

    The sizes a zip declares can be trusted this far: Python's zipfile stops reading a
    part at its declared size and then fails its checksum, so a part cannot unpack to
    more than it declares.
    """
    not_excel = _("This is not an Excel (.xlsx) file, whatever its name says.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        raise ImportFileError(not_excel) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_ZIP_MEMBERS:
            raise ImportFileError(not_excel)
        _check_sizes(archive, parts, max_unpacked_bytes=max_unpacked_bytes, max_rows=max_rows)


def _check_sizes(archive, parts, *, max_unpacked_bytes: int | None, max_rows: int | None):
    too_large = _(
        "This Excel file unpacks to far more data than a roster holds (%(size)s MB), so it "
        "was not opened. Save it again from a spreadsheet program, or split it."
    )
    unpacked = sum(part.file_size for part in parts)
    if max_unpacked_bytes is not None and unpacked > max_unpacked_bytes:
        raise ImportFileError(too_large % {"size": f"{unpacked / 2**20:.0f}"})
    for part in parts:
        auxiliary = not part.filename.startswith("xl/worksheets/") and (
            part.filename != "xl/sharedStrings.xml"
        )
        if (
            max_unpacked_bytes is not None
            and auxiliary
            and (part.file_size > MAX_AUXILIARY_PART_BYTES)
        ):
            raise ImportFileError(too_large % {"size": f"{unpacked / 2**20:.0f}"})
        if (
            part.file_size > RATIO_CHECKED_ABOVE_BYTES
            and part.file_size > MAX_COMPRESSION_RATIO * max(part.compress_size, 1)
        ):
            raise ImportFileError(too_large % {"size": f"{unpacked / 2**20:.0f}"})
    if max_rows is not None:
        _check_element_count(archive, parts, max_rows)


def _check_element_count(archive: zipfile.ZipFile, parts, max_rows: int) -> None:
    """Count cells and shared strings in every part (not only where a sheet usually
    lives: the workbook's relationships may point anywhere), streaming, and stop once
    there are more than ``max_rows`` rows of a roster could hold."""
    cap = (max_rows + 1) * ELEMENTS_PER_ROW
    count = 0
    try:
        for part in parts:
            with archive.open(part) as stream:
                tail = b""
                while chunk := stream.read(1 << 20):
                    buffer = tail + chunk
                    cut = max(len(buffer) - 32, 0)  # a tag cut in two is counted next time
                    count += sum(1 for m in CELL_OR_STRING.finditer(buffer) if m.start() < cut)
                    tail = buffer[cut:]
                    if count > cap:
                        raise TooLargeForNow(
                            _(
                                "This Excel file holds more cells than a roster of %(limit)s "
                                "rows would, so it was not opened. Keep only the roster's "
                                "sheet and columns, split the file, or ask an administrator "
                                "to import it from the command line (%(command)s)."
                            )
                            % {"limit": max_rows, "command": COMMAND}
                        )
                count += len(CELL_OR_STRING.findall(tail))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise ImportFileError(_("This Excel file cannot be read; is it damaged?")) from None


def xlsx_rows(content: bytes, limits: ReadLimits) -> Iterator[tuple]:
    """The first sheet's rows, streamed (openpyxl's read-only mode), at most
    ``MAX_COLUMNS`` cells wide. The sheet's own idea of its size is ignored: a forged
    one would pad every row, or add a million empty ones."""
    import openpyxl

    check_xlsx_archive(
        content, max_unpacked_bytes=limits.max_unpacked_bytes, max_rows=limits.max_rows
    )
    damaged = _("This Excel file cannot be read; is it damaged?")
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise ImportFileError(damaged) from None
    try:
        sheet = book.active
        sheet.reset_dimensions()
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001
        raise ImportFileError(damaged) from None
    finally:
        book.close()


# --- Rows, counted as they come -------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or not str(value).strip()


def _too_many_rows(limit: int) -> ImportFileError:
    return TooLargeForNow(
        _(
            "The file has more than %(limit)s rows, more than the web import takes at "
            "once. Split it into files of at most %(limit)s rows, or ask an "
            "administrator to import it from the command line (%(command)s)."
        )
        % {"limit": limit, "command": COMMAND}
    )


def collect(rows: Iterable, limits: ReadLimits, *, strict_width: bool) -> tuple[list, list[list]]:
    """The header row and the non-empty rows below it, padded to the header's width.

    Stops at the first row past ``limits.max_rows``, and at ten times as many rows
    counting empty ones (a file of blank lines, a sheet with one cell a million rows
    down), and when the time budget is spent. With ``strict_width`` (CSV), a filled cell
    right of the last heading is an error (a stray comma shifts a row); otherwise it is
    ignored, as a note beside a table is.
    """
    max_rows = limits.max_rows
    max_lines = None if max_rows is None else max_rows * 10 + 100
    rows = iter(rows)
    header = list(next(rows, None) or [])[:MAX_COLUMNS]
    while header and _blank(header[-1]):
        header.pop()
    if not header:
        raise ImportFileError(_("The file is empty."))
    width = len(header)
    data = []
    for number, row in enumerate(rows, start=2):
        if limits.budget is not None and number % 100 == 0:
            limits.budget.check()
        if max_lines is not None and number > max_lines:
            raise _too_many_rows(max_rows)
        if not any(row) or all(_blank(value) for value in row):  # any(): fast on gaps
            continue
        cells = list(row[:width])
        if strict_width and not all(_blank(value) for value in row[width:]):
            raise ImportFileError(
                _("Row %(row)s has more cells than there are column headings.") % {"row": number}
            )
        cells.extend([None] * (width - len(cells)))
        data.append(cells)
        if max_rows is not None and len(data) > max_rows:
            raise _too_many_rows(max_rows)
    return header, data


def read_rows(content: bytes, filename: str, limits: ReadLimits = NO_LIMITS):
    """Header and rows of an uploaded .csv or .xlsx file, within ``limits``."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return collect(xlsx_rows(content, limits), limits, strict_width=False)
    if name.endswith(".csv"):
        return collect(csv_rows(decode_csv(content)), limits, strict_width=True)
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


# --- Django admin's import ------------------------------------------------------------------


def _dataset(header: list, rows: list[list]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=[str(h or "").strip() for h in header])
    for row in rows:
        dataset.append(row)
    return dataset


class LimitedCSV(base_formats.CSV):
    """Admin's CSV import through the same streaming reader and row limit."""

    def create_dataset(self, in_stream):
        text = decode_csv(in_stream) if isinstance(in_stream, bytes) else in_stream
        return _dataset(*collect(csv_rows(text), ReadLimits.for_web(), strict_width=True))


class LimitedXLSX(base_formats.XLSX):
    """Admin's XLSX import: the zip checked first, then streamed with the row limit."""

    def create_dataset(self, in_stream):
        limits = ReadLimits.for_web()
        return _dataset(*collect(xlsx_rows(in_stream, limits), limits, strict_width=False))


class LimitedImportForm(ImportForm):
    """Admin's import form: the upload's size is checked before anything reads it."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_upload_size(upload.size)
        except ImportFileError as error:
            raise forms.ValidationError(str(error), code="too_large") from None
        return upload
