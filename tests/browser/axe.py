"""axe-core (bundled by axe-playwright-python) run on a Playwright page.

``assert_accessible(page)`` fails listing every critical or serious violation: rule id,
the elements it hit and axe's summary of what to fix.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("critical", "serious")
# WCAG 2.1 A and AA plus axe's best practices (landmarks, headings, region).
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}

_axe = Axe()


def violations(page, impacts=BLOCKING) -> list[dict]:
    """The violations of the given impacts on the page as it is now. axe-core is injected
    once per loaded page (checking the same page at another size reuses it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    response = page.evaluate("options => axe.run(document, options)", OPTIONS)
    return [v for v in response["violations"] if v["impact"] in impacts]


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def assert_accessible(page, label: str = "") -> None:
    found = violations(page)
    assert not found, f"axe-core on {label or page.url}:\n{describe(found)}"
