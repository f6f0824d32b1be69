"""Pass lapsed waiting-list offers on to the next in line. Run from cron every few minutes."""

from django.core.management.base import BaseCommand

from activities.services import offers_expire


class Command(BaseCommand):
    help = "Move lapsed place offers on to the next volunteer waiting."

    def handle(self, *args, **options):
        count = offers_expire()
        self.stdout.write(f"{count} lapsed offers moved on.")
