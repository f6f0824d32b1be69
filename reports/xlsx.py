"""The report as an XLSX workbook: one sheet per section, each starting with the report's
title and filters (group, period, when made), then the headline figures, then every table
under its title. Numbers are numbers (not text), so the sheet adds them up; text is
escaped against formulas (a group or brand name beginning with "=")."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from members.cells import export_cell

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def _cell(value):
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    return export_cell(str(value))


def filter_lines(report) -> list[tuple[str, str]]:
    period = report.period
    return [
        (_("Group"), report.scope.label),
        (_("Period"), f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"),
        (_("Made"), f"{timezone.localtime():%Y-%m-%d %H:%M}"),
    ]


def report_workbook(report) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for section in report.sections:
        sheet = book.create_sheet(title=str(section.title)[:31])
        sheet.append([_cell(_("Impact report") + " · " + str(section.title))])
        sheet["A1"].font = TITLE
        for label, value in filter_lines(report):
            sheet.append([label, _cell(value)])
        sheet.append([])
        if section.figures:
            for figure in section.figures:
                sheet.append([_cell(str(figure.label)), _cell(figure.value)])
            sheet.append([])
        for table in section.tables:
            sheet.append([_cell(str(table.title))])
            sheet.cell(row=sheet.max_row, column=1).font = BOLD
            sheet.append([_cell(str(header)) for header in table.headers])
            for cell in sheet[sheet.max_row]:
                cell.font = BOLD
            for row in table.rows:
                sheet.append([_cell(value) for value in row])
            if not table.rows:
                sheet.append([_("No data in this period.")])
            sheet.append([])
        sheet.column_dimensions["A"].width = 36
        for column in "BCD":
            sheet.column_dimensions[column].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
