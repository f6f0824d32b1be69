"""Import a roster file into a group from the command line (large files, scripts).

Same reader, checks and report as the roster page; all or nothing.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from groups.imports import ImportFileError, read_table, roster_import
from groups.models import ServiceGroup


class Command(BaseCommand):
    help = "Import members from a CSV or XLSX file into a service group."

    def add_arguments(self, parser):
        parser.add_argument("group", help="The group's slug, e.g. finance-tax.")
        parser.add_argument("file", help="A .csv or .xlsx file with the roster's columns.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )

    def handle(self, *args, group, file, dry_run=False, **options):
        try:
            service_group = ServiceGroup.objects.get(slug=group)
        except ServiceGroup.DoesNotExist:
            raise CommandError(f"No service group with the slug {group!r}.") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        started = time.monotonic()
        try:
            dataset = read_table(path.read_bytes(), path.name)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        report = roster_import(actor=None, group=service_group, dataset=dataset, dry_run=dry_run)
        elapsed = time.monotonic() - started

        for problem in report.problems:
            column = f" [{problem.column}]" if problem.column else ""
            self.stderr.write(f"row {problem.row}{column}: {problem.message}")
        summary = (
            f"{report.total} rows: {report.new} new, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.problems)} problems ({elapsed:.1f} s)"
        )
        if report.problems:
            raise CommandError(f"{summary}. Nothing was imported.")
        if dry_run:
            self.stdout.write(f"{summary}. Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Imported."))
