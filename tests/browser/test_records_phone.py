"""Issue 8 on a phone (390 x 844), in English and in Chinese: the hours table, the service
record and the certificate pages stack instead of scrolling sideways, and the correction
controls are whole on the screen; the calendar address copies with one tap."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}

# "" when the element is whole on the screen: inside the viewport's width and not cut off
# by a box that hides or scrolls its overflow; else what is wrong.
FULLY_VISIBLE = """(element) => {
  const box = element.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return "not shown";
  if (box.left < -0.5 || box.right > window.innerWidth + 0.5)
    return `outside the screen: ${box.left}..${box.right} of ${window.innerWidth}`;
  for (let up = element.parentElement; up; up = up.parentElement) {
    const style = getComputedStyle(up);
    if (style.overflowX === "visible" && style.overflowY === "visible") continue;
    const frame = up.getBoundingClientRect();
    if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5)
      return `cut off by ${up.tagName}.${up.className}`;
    if (up.scrollWidth > up.clientWidth + 1)
      return `${up.tagName}.${up.className} scrolls sideways`;
  }
  return "";
}"""


def assert_no_sideways_scrolling(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"


def assert_fully_visible(locator, what: str) -> None:
    assert locator.count() >= 1, f"{what}: not on the page"
    problem = locator.first.evaluate(FULLY_VISIBLE)
    assert problem == "", f"{what}: {problem}"


@pytest.fixture
def records(demo):
    """An e-commerce activity that ended yesterday: the demo volunteer's hours approved
    (so the coordinator sees "Correct" and the volunteer "Not right?"), a long-named
    participant's proposed, another's approved with a correction request open."""
    from activities import services
    from activities.models import Activity
    from groups.models import ServiceGroup
    from members.models import Member, User
    from tests.factories import MemberFactory, SignUpFactory

    coordinator = User.objects.get(username="coordinator")
    volunteer = User.objects.get(username="volunteer")
    start = timezone.now() - datetime.timedelta(days=1, hours=3)
    activity = Activity.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"),
        title="Browser test: rural e-commerce live-stream sales training for village co-ops",
        kind="training",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        status="published",
    )
    mine = SignUpFactory(activity=activity, member=volunteer.member, attended=True)
    long_name = MemberFactory(full_name="Alexandra Konstantinopoulou-Wetherington")
    other = SignUpFactory(activity=activity, member=long_name, attended=True)
    asking_user = User.objects.create_user("asking", password="x")
    asking = MemberFactory(user=asking_user, full_name="张晓明")
    asks = SignUpFactory(activity=activity, member=asking, attended=True)
    entries = [services.hours_propose(actor=coordinator, signup=s) for s in (mine, other, asks)]
    services.hours_approve(
        actor=coordinator, activity=activity, entry_ids=[entries[0].pk, entries[2].pk]
    )
    services.correction_request(
        actor=asking_user,
        signup=asks,
        requested_hours=Decimal("4"),
        reason="I stayed until everything was packed away",
    )
    services.calendar_feed_regenerate(actor=volunteer, member=volunteer.member)
    certificate = services.certificate_issue(
        actor=volunteer, member=Member.objects.get(user=volunteer)
    )
    return {"activity": activity, "mine": mine, "certificate": certificate}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_hours_and_service_record_stack_on_a_phone(page_for, live_server, records, language):
    activity, mine = records["activity"], records["mine"]
    code = records["certificate"].code

    coordinator = page_for(language=language, **PHONE)
    log_in(coordinator, live_server.url, "coordinator")
    coordinator.goto(f"{live_server.url}/activities/{activity.pk}/hours/")
    screenshot(coordinator, f"hours-phone-{language}")
    assert_no_sideways_scrolling(coordinator, "the hours page")
    row = coordinator.locator(f"#hours-table tr[data-signup='{mine.pk}']")
    assert_fully_visible(row.locator(".hours-form input[name=hours]"), "the hours field")
    assert_fully_visible(row.locator(".hours-form button"), "the Correct button")
    assert_fully_visible(coordinator.locator("button[name=decision][value=reject]"), "Reject")
    assert_fully_visible(coordinator.locator("#approve-hours"), "the approve button")

    volunteer = page_for(language=language, **PHONE)
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/members/me/")
    assert_no_sideways_scrolling(volunteer, "my page")
    control = volunteer.locator("#service-record-table details.correction-control").first
    assert_fully_visible(control.locator("summary"), "Not right?")
    control.locator("summary").click()
    assert_fully_visible(control.locator("input[name=requested_hours]"), "the hours asked for")
    assert_fully_visible(control.locator("button[type=submit]"), "Ask for a correction")
    assert_no_sideways_scrolling(volunteer, "my page with the correction form open")
    screenshot(volunteer, f"service-record-phone-{language}")

    for path in (f"/certificates/{code}/print/", f"/certificates/{code}/", "/certificates/"):
        volunteer.goto(f"{live_server.url}{path}")
        assert_no_sideways_scrolling(volunteer, path)
    volunteer.goto(f"{live_server.url}/certificates/{code}/print/")
    assert_fully_visible(volunteer.locator(".certificate-qr svg"), "the QR code")
    screenshot(volunteer, f"certificate-phone-{language}")


def test_a_code_typed_on_a_phone_finds_the_certificate(page_for, live_server, records):
    code = records["certificate"].code
    page = page_for(**PHONE)
    page.goto(f"{live_server.url}/")
    page.click("#footer-certificate-lookup")
    page.fill("#certificate-code", "NOPE")
    page.click("#certificate-lookup-form [type=submit]")
    assert page.locator("#certificate-invalid").is_visible()
    assert_no_sideways_scrolling(page, "the lookup page with its message")
    page.fill("#certificate-code", f"{code[:6].lower()} {code[6:]}")
    page.click("#certificate-lookup-form [type=submit]")
    page.wait_for_url(f"{live_server.url}/certificates/{code}/")
    assert page.locator("#certificate-valid").is_visible()
    headers = page.locator("#certificate-activities thead th").all_inner_texts()
    assert headers == ["日期", "活动", "服务团", "时长"]


def test_the_calendar_address_copies_with_one_tap(page_for, live_server, records):
    page = page_for(**PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    log_in(page, live_server.url, "volunteer")
    page.goto(f"{live_server.url}/members/me/")
    address = page.input_value("#feed-url")
    assert page.get_attribute("#feed-webcal", "href") == "webcal://" + address.split("://")[1]
    page.click("#feed-copy")
    page.wait_for_function("document.getElementById('feed-copy-status').textContent !== ''")
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert_no_sideways_scrolling(page, "my page")
