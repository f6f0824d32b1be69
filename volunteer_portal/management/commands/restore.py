"""``manage.py restore FOLDER``: a backup into a new, empty database (``make restore``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from volunteer_portal.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a folder written by `manage.py backup` into the configured database, which "
        "must be new and empty (createdb it first), and unpack its files into MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder written by `manage.py backup`")

    def handle(self, *args, folder, **options):
        try:
            backup_restore(folder=folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {folder} into the database {connection.settings_dict['NAME']}")
