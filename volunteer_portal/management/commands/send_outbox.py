from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from volunteer_portal.mail import deliver, purge_sent


class Command(BaseCommand):
    help = _(
        "Send the emails waiting in the outbox (those that failed are retried with "
        "back-off), and delete sent (or given-up) ones older than --keep-days. Run it "
        "from cron every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep-days", type=int, default=30)

    def handle(self, *args, keep_days, **options):
        # Under a minute, so that runs started by cron each minute do not pile up.
        sent, failed = deliver(budget=50)
        purged = purge_sent(keep_days)
        self.stdout.write(
            _("Sent %(sent)d, failed %(failed)d, deleted %(purged)d old.")
            % {"sent": sent, "failed": failed, "purged": purged}
        )
