"""Issue 9 on a phone: a volunteer who typed the wrong password too often sees, on the
first screen, that the account is locked, until when, and how to get back in at once."""

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_lockout_on_a_phone_says_when_and_offers_the_reset(
    page_for, live_server, demo, language
):
    page = page_for(**PHONE, language=language)
    for attempt in range(5):  # by phone, typed as people type it
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "+86 199 0000 0003" if attempt % 2 else "19900000003")
        page.fill("input[name=password]", f"not-my-password-{attempt}")
        page.click("#login-form [type=submit]")
    alert = page.locator("#content .alert-danger, main .alert-danger").first
    alert.wait_for()
    text = alert.inner_text()
    assert ("15" in text and "分钟" in text) if language == "zh-hans" else "in 15 minutes" in text
    box = alert.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the message is below the first screen"
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{width} px wide on a {inner} px screen"
    assert_accessible(page, f"lockout {language}")
    screenshot(page, f"login-locked-phone-{language}")
    alert.locator("a").click()  # "Reset my password"
    page.wait_for_url("**/accounts/password_reset/")
