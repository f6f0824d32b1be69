"""Make this year's reports ahead and keep them in the shared cache (the periodic jobs,
hourly): reports/precompute.py."""

from django.conf import settings
from django.core.management.base import BaseCommand

from reports.precompute import precompute


class Command(BaseCommand):
    help = "Compute this year's reports (all groups, each group) into the shared cache."

    def handle(self, *args, **options):
        if not settings.REPORTS_PRECOMPUTED:
            self.stdout.write(
                "Skipped: reports are computed ahead only with a shared cache (REDIS_URL), "
                "which the report page reads (REPORTS_PRECOMPUTED)."
            )
            return
        made = precompute()
        self.stdout.write(f"Computed {made} report(s).")
