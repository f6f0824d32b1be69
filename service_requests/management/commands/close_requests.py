from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from service_requests.services import close_unrated


class Command(BaseCommand):
    help = _(
        "Close the service requests completed more than REQUEST_RATING_DAYS ago that the "
        "requester has not rated (daily, from cron)."
    )

    def handle(self, *args, **options):
        count = close_unrated()
        self.stdout.write(_("Requests closed unrated: %(count)d.") % {"count": count})
