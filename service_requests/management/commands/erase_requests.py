from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from service_requests.privacy import erase_personal_data


class Command(BaseCommand):
    help = _(
        "Erase the requester's personal data from service requests that ended more than "
        "REQUEST_ERASE_AFTER_DAYS ago (their history too), keeping the anonymous figures."
    )

    def handle(self, *args, **options):
        count = erase_personal_data()
        self.stdout.write(_("Requests erased: %(count)d.") % {"count": count})
