"""Remind volunteers of their confirmed activities in the next 24 hours; never twice."""

from django.core.management.base import BaseCommand

from activities.services import send_reminders


class Command(BaseCommand):
    help = "Email reminders for confirmed activities starting within 24 hours (idempotent)."

    def handle(self, *args, **options):
        count = send_reminders()
        self.stdout.write(f"{count} reminders sent.")
