"""Roster exports: CSV streamed row by row, XLSX written to a temporary file.

Neither holds the whole roster in memory: the queryset is read in chunks, and the
spreadsheet is built by openpyxl's write-only mode on disk.
"""

from __future__ import annotations

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from members.resources import HEADERS, MemberResource

CHUNK = 500
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Echo:
    """A file-like object whose write() hands the line back (Django's streaming CSV recipe)."""

    def write(self, value):
        return value


def _rows(queryset, resource: MemberResource):
    for member in queryset.prefetch_related("skills").iterator(chunk_size=CHUNK):
        yield resource.export_row(member)


def export_filename(slug: str, extension: str) -> str:
    return f"roster-{slug}-{timezone.localdate():%Y%m%d}.{extension}"


def roster_csv_response(queryset, *, reveal_national_id: bool, filename: str):
    resource = MemberResource(reveal_national_id=reveal_national_id)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # the byte-order mark makes Excel read the file as UTF-8
        yield writer.writerow(HEADERS)
        for row in _rows(queryset, resource):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def roster_xlsx_response(queryset, *, reveal_national_id: bool, filename: str):
    resource = MemberResource(reveal_national_id=reveal_national_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADERS)
    for row in _rows(queryset, resource):
        sheet.append(row)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)
