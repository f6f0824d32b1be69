"""``manage.py backup``: the database and MEDIA_ROOT into a dated folder (``make backup``)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from volunteer_portal.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump --format=custom; SQLite: a copy) and "
        "the uploaded files (MEDIA_ROOT) into a new dated folder under --output-dir."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "backups",
            help="where the dated folder is made (default: backups/ next to manage.py)",
        )

    def handle(self, *args, output_dir, **options):
        try:
            folder = backup_create(directory=output_dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = sum(f.stat().st_size for f in folder.iterdir())
        self.stdout.write(f"Backup written to {folder} ({size / 1_048_576:.1f} MB)")
        if settings.S3_BUCKET:
            self.stderr.write(
                f"The uploaded files are in the bucket {settings.S3_BUCKET}, not in this "
                "backup: keep the bucket's own copies (versioning or replication)."
            )
