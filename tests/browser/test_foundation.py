import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_coordinator_logs_in_and_sees_home_and_their_group(page_for, live_server, demo):
    page = page_for()
    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "login")
    log_in(page, live_server.url, "coordinator")

    cards = page.locator("[data-group]")
    assert cards.count() == 5
    assert "电商培训服务团" in page.locator("[data-group=ecommerce]").inner_text()
    assert page.locator("#upcoming-activities [data-activity]").count() == 6
    screenshot(page, "home")

    page.click("[data-group=ecommerce] a")
    page.wait_for_url(f"{live_server.url}/groups/ecommerce/")
    assert page.locator("h1").inner_text() == "电商培训服务团"
    assert "王思琪" in page.inner_text("main")  # the demo coordinator's own term
    screenshot(page, "group-detail")

    page.click("text=编辑服务团资料")
    page.fill("textarea[name=mission_zh]", "为商户和村民开展电子商务培训，助力乡村振兴。")
    page.click("main form [type=submit]")
    page.wait_for_url(f"{live_server.url}/groups/ecommerce/")
    assert "服务团资料已保存" in page.inner_text(".alert")
    assert "助力乡村振兴" in page.inner_text("main")

    # Another group's page has no edit button, and its edit URL is refused.
    page.goto(f"{live_server.url}/groups/culture/")
    assert page.locator("text=编辑服务团资料").count() == 0
    response = page.goto(f"{live_server.url}/groups/culture/edit/")
    assert response.status == 403
    assert "您无权进行此操作" in page.inner_text("main")
    screenshot(page, "forbidden")


def test_visitor_switches_to_english(page_for, live_server, demo):
    page = page_for()
    page.goto(f"{live_server.url}/")
    page.click("#language-form button[value=en]")
    page.wait_for_load_state()
    assert "E-commerce Training Service Group" in page.inner_text("[data-group=ecommerce]")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-en")


def test_home_and_group_page_fit_a_phone(page_for, live_server, demo):
    page = page_for(width=390, height=844)
    page.goto(f"{live_server.url}/")
    # The navigation collapses behind the toggler and opens on a tap.
    assert not page.locator("#mainnav").is_visible()
    page.click(".navbar-toggler")
    page.wait_for_selector("#mainnav.show")
    assert page.locator("#mainnav >> text=服务团").first.is_visible()
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "home-phone")
    page.goto(f"{live_server.url}/groups/agriculture/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "group-detail-phone")
