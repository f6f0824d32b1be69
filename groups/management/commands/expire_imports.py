"""Remove uploaded roster files whose preview was never confirmed, and background roster
jobs (with their exported files) past their time; hand over again the jobs no worker took
(the periodic jobs, hourly).

Every new preview sweeps the files too; this catches the quiet days.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from groups.jobs import jobs_expire, jobs_recover
from members.spool import spool_expire


class Command(BaseCommand):
    help = (
        "Remove spooled import files (previews never confirmed) and roster jobs older than "
        "IMPORT_SPOOL_MAX_AGE_HOURS."
    )

    def handle(self, *args, **options):
        jobs = jobs_expire()  # first: their exports are spooled files too
        removed = spool_expire()
        recovered = jobs_recover()
        self.stdout.write(
            f"Removed {removed} expired import file(s) from {settings.IMPORT_SPOOL_DIR}, "
            f"and {jobs} finished roster job(s); handed {recovered} stalled job(s) over again."
        )
