"""The Simplified Chinese catalogue is complete, compiled and up to date with the code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def entries(catalogue):
    return {
        (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in catalogue
        if not e.obsolete
    }


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert po.percent_translated() == 100


def test_the_compiled_catalogue_matches_the_po_file():
    assert entries(polib.mofile(str(MO))) == entries(
        [e for e in polib.pofile(str(PO)) if e.translated()]
    ), "locale/zh_Hans .mo is stale: run `make messages`"


def test_the_po_file_has_every_string_in_the_code(tmp_path):
    """Run makemessages on a copy of the sources; no new msgid may appear."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) must be installed in CI")
        pytest.skip("needs GNU gettext's xgettext (apt-get install gettext)")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".*", "static", "staticfiles", "media", "docs", "tests", "*.sqlite3", "__pycache__"
        ),
    )
    env = {**os.environ, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "volunteer_portal.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "-v0"],
        cwd=copy,
        env=env,
        check=True,
        timeout=120,
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    known = {e.msgid for e in polib.pofile(str(PO))}
    assert fresh - known == set(), "new strings: run `make messages` and translate them"
