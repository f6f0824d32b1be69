"""Issue 11 in a real browser: the report at desktop and phone size, in both languages,
charts drawn beside their tables, no sideways scrolling on a phone, axe clean; the print
view (A4) without the navigation, filters or buttons; a coordinator's report of their
own groups."""

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
CHARTS_DRAWN = """() => [...document.querySelectorAll('canvas[data-chart]')]
  .filter((c) => c.width > 0 && c.height > 0 && Chart.getChart(c)).length"""


CHARTS_OVERFLOWING = """() => [...document.querySelectorAll('canvas[data-chart]')]
  .filter((c) => c.getBoundingClientRect().right
                 > c.parentElement.getBoundingClientRect().right + 1)
  .map((c) => c.dataset.chart)"""


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_admin_reads_the_report_on_a_desktop_and_prints_it(
    page_for, live_server, demo, language
):
    page = page_for(width=1366, height=900, language=language)
    log_in(page, live_server.url, "admin")
    page.click("#nav-reports")
    page.wait_for_url(f"{live_server.url}/reports/")
    page.wait_for_function("typeof Chart !== 'undefined'")
    charts = page.locator("canvas[data-chart]").count()
    assert charts >= 10 and page.evaluate(CHARTS_DRAWN) == charts
    assert page.locator("#table-hours_month tbody tr").count() >= 1
    assert page.locator("#print-report").is_visible()  # shown by print.js
    assert_accessible(page, f"the report ({language})")
    if language == "zh-hans":
        screenshot(page, "reports-desktop")
    # A quick pick and a group: the page answers with that period and group.
    page.select_option("select[name=range]", "last_year")
    page.select_option("select[name=group]", index=1)
    page.click("#show-report")
    page.wait_for_url("**/reports/?range=last_year*")
    assert "–" in page.inner_text("#report-scope")
    # The print view: no navigation, filters or buttons; the figures and charts stay.
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("#report-filters").is_visible()
    assert not page.locator("#download-xlsx").is_visible()
    assert page.locator("#section-hours").is_visible()
    if language == "zh-hans":
        page.goto(f"{live_server.url}/reports/")
        page.wait_for_function("typeof Chart !== 'undefined'")
        screenshot(page, "reports-print")
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        # On paper (an A4 column is about 700 px) every chart fits beside its table.
        page.set_viewport_size({"width": 700, "height": 1000})
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        overflowing = page.evaluate(CHARTS_OVERFLOWING)
        assert overflowing == [], overflowing


def test_a_coordinator_reads_their_groups_report_on_a_phone(page_for, live_server, demo):
    page = page_for(**PHONE, language="zh-hans")
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/reports/")
    page.wait_for_function("typeof Chart !== 'undefined'")
    assert no_sideways_scrolling(page), "the report scrolls sideways on a phone"
    assert page.evaluate(CHARTS_DRAWN) >= 10
    groups = page.locator("select[name=group] option").all_inner_texts()
    assert len(groups) == 2  # "all my groups" and the one they lead
    assert_accessible(page, "the report on a phone")
    screenshot(page, "reports-phone")
    # Dates of one's choice, the wrong way round: the error shows on the first screen.
    page.select_option("select[name=range]", "custom")
    page.fill("input[name=start]", "2026-05-01")
    page.fill("input[name=end]", "2026-04-01")
    page.click("#show-report")
    page.wait_for_selector("[data-error-summary]")
    box = page.locator("[data-error-summary]").bounding_box()
    assert box is not None and box["y"] < PHONE["height"]
    assert no_sideways_scrolling(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_public_reads_the_impact_on_a_phone(page_for, live_server, demo, language):
    page = page_for(**PHONE, language=language)
    page.goto(f"{live_server.url}/")
    page.click("#footer-impact")
    page.wait_for_url(f"{live_server.url}/about/impact/")
    assert no_sideways_scrolling(page), "the impact page scrolls sideways on a phone"
    assert_accessible(page, f"the impact page ({language})")
    from members.models import Member

    text = page.inner_text("main")
    names = [n for n in Member.objects.values_list("full_name", flat=True) if len(n) > 1]
    assert names and not [n for n in names if n in text]  # figures only, no one named
    if language == "zh-hans":
        screenshot(page, "impact-phone")
