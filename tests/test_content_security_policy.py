"""The content security policy allows scripts and styles from the portal's own files only.
The browser tests fail on a violation in the pages they open; this catches the rest early:
no template or Python module of ours writes an inline script, event handler, style
attribute, <style> block or javascript: address."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("templates", "volunteer_portal", "members", "groups", "activities")

FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>"),
    "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "style block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


def _sources():
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".html", ".py", ".txt", ".svg") and "migrations" not in path.parts:
                yield path


def _without_comments(text: str) -> str:
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.DOTALL)
    text = re.sub(r"{#.*?#}", "", text)
    return re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)


def test_no_inline_script_or_style_in_our_templates_and_code():
    found = []
    for path in _sources():
        text = _without_comments(path.read_text(encoding="utf-8"))
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}: {match.group(0)[:80]}")
    assert not found, "\n".join(found)
