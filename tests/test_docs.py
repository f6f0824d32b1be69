"""Documents the code cites live in the repository, under docs/, and really exist."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SKIPPED_DIRS = {".venv", ".git", "staticfiles", "node_modules", "__pycache__", ".pytest_cache"}
SCANNED_SUFFIXES = {".py", ".html", ".md"}

# `docs/...` as a path of its own, not the tail of a URL or a longer path.
DOCS_PATH = re.compile(r"(?<![\w./-])docs/[\w./-]*")
DOMAIN_BRIEF = ROOT / "docs/DOMAIN.md"
# The domain brief named without docs/ (bare, or at a path outside the repository).
BARE_DOMAIN_BRIEF = re.compile(r"(?<!docs/)DOMAIN\.md")
# Inside docs/, documents cite each other by name, relative to docs/.
SIBLING_FILE = re.compile(r"`([\w.-]+\.(?:md|txt))`")


def scanned_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            path = Path(folder) / name
            if path.suffix in SCANNED_SUFFIXES:
                yield path, path.read_text(encoding="utf-8")


def line_of(text, match):
    return text.count("\n", 0, match.start()) + 1


def test_every_cited_docs_path_exists():
    missing = []
    for path, text in scanned_files():
        for match in DOCS_PATH.finditer(text):
            cited = match.group().rstrip(".")
            if not (ROOT / cited).exists():
                missing.append(f"{path.relative_to(ROOT)}:{line_of(text, match)}: {cited}")
    assert not missing, "cited but missing:\n" + "\n".join(missing)


def test_the_domain_brief_is_cited_with_its_folder():
    assert DOMAIN_BRIEF.is_file()
    bare = [
        f"{path.relative_to(ROOT)}:{line_of(text, match)}"
        for path, text in scanned_files()
        if DOCS not in path.parents
        for match in BARE_DOMAIN_BRIEF.finditer(text)
    ]
    assert not bare, "write docs/DOMAIN.md, not a bare or outside path:\n" + "\n".join(bare)


def test_documents_in_docs_cite_siblings_that_exist():
    missing = []
    for path in DOCS.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        for match in SIBLING_FILE.finditer(text):
            if not (path.parent / match.group(1)).exists():
                missing.append(f"{path.relative_to(ROOT)}:{line_of(text, match)}: {match.group(1)}")
    assert not missing, "cited but missing:\n" + "\n".join(missing)
