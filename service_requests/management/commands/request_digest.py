from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from service_requests.digest import send_digests


class Command(BaseCommand):
    help = _(
        "Email today's digest of overdue service requests to the people who can act on "
        "them (once a day each; safe to run again). Run it from cron each morning."
    )

    def handle(self, *args, **options):
        count = send_digests()
        self.stdout.write(_("Digests sent: %(count)d.") % {"count": count})
