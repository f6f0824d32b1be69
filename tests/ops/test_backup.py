"""`make backup` and `make restore`: a backup of a real PostgreSQL database and its uploads,
restored into a new database, gives the same rows in every table, the same sequence
positions and the same files, byte for byte. Restoring into a database that is not empty
is refused with a clear message (the README's old `pg_restore --clean` exited 1 on an
empty database; restoring over a live one is not what a restore is for)."""

import io
import shutil
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from PIL import Image

from activities import services
from tests.conftest import shipped_group
from tests.factories import ActivityFactory, MemberFactory, UserFactory
from tests.ops.conftest import (
    ROOT,
    database_url,
    make_command,
    pg_connect,
    portal_env,
    table_counts,
)

pytestmark = [
    pytest.mark.postgres,
    # committed, so that pg_dump (another connection) sees the data
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not shutil.which("make"), reason="needs make"),
]


def png_bytes(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def sequence_positions(pg) -> dict[str, int]:
    with pg.cursor() as cursor:
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
        return dict(cursor.fetchall())


def run(command: str, **env):
    return subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=portal_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_backup_then_make_restore_into_a_new_database(tmp_path, settings):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    shipped_group("ecommerce")
    activity = ActivityFactory(capacity=2, cover=ContentFile(png_bytes("red"), name="cover.png"))
    for n in range(3):  # two confirmed, one waiting, with their history rows
        user = UserFactory(username=f"backup-vol-{n}")
        MemberFactory(user=user)
        services.signup_create(actor=user, activity=activity)
    emblems = media / "groups" / "emblems"
    emblems.mkdir(parents=True)
    (emblems / "会徽.png").write_bytes(png_bytes("blue"))
    uploaded = files_under(media)
    assert len(uploaded) == 2, uploaded

    settings_dict = connection.settings_dict
    source_name = settings_dict["NAME"]
    backups = tmp_path / "backups"
    done = run(
        make_command("backup", BACKUP_DIR=backups),
        DATABASE_URL=database_url(settings_dict, source_name),
        MEDIA_ROOT=media,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = backups.iterdir()
    assert folder.name.startswith("portal-")
    assert folder.stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert sorted(p.name for p in folder.iterdir()) == ["database.dump", "media.tar.gz"]

    target_name = f"vp_restored_{uuid.uuid4().hex[:12]}"
    admin = pg_connect(settings_dict, "postgres")
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target_name}"')
    restored_media = tmp_path / "restored-media"
    try:
        done = run(
            make_command("restore", BACKUP=folder),
            DATABASE_URL=database_url(settings_dict, target_name),
            MEDIA_ROOT=restored_media,
        )
        assert done.returncode == 0, done.stdout + done.stderr

        with (
            closing(pg_connect(settings_dict, source_name)) as source,
            closing(pg_connect(settings_dict, target_name)) as target,
        ):
            counts = table_counts(source)
            assert counts["activities_signup"] == 3
            assert counts["activities_activity"] == 1
            assert counts["groups_servicegroup"] >= 5
            assert table_counts(target) == counts
            assert sequence_positions(target) == sequence_positions(source)
        assert files_under(restored_media) == uploaded

        # Into a database that holds the portal (here, the test database): refused before
        # anything is touched, with what to do instead.
        with pytest.raises(CommandError, match="Restore into a new, empty database"):
            call_command("restore", str(folder))
        with closing(pg_connect(settings_dict, source_name)) as source:
            assert table_counts(source) == counts
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
        admin.close()
