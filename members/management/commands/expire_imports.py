"""Remove uploaded roster files whose preview was never confirmed (cron, e.g. hourly).

Every new preview sweeps them out too; this catches the quiet days.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from members.spool import spool_expire


class Command(BaseCommand):
    help = (
        "Remove spooled import files (previews never confirmed) older than "
        "IMPORT_SPOOL_MAX_AGE_HOURS."
    )

    def handle(self, *args, **options):
        removed = spool_expire()
        self.stdout.write(
            f"Removed {removed} expired import file(s) from {settings.IMPORT_SPOOL_DIR}."
        )
