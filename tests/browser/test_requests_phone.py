"""Issue 10, the public's side on a phone (390 x 844, in Chinese): a villager orders a
service without an account, keeps the receipt (tracking code and QR code), follows the
request on its tracking page and rates the service once it is completed. No sideways
scrolling, the first error of a failed form on the first screen, and axe-core finds
nothing critical or serious."""

import datetime
from importlib import import_module

import pytest
from django.utils import timezone

from groups.models import ServiceGroup
from service_requests import services
from service_requests.models import ServiceRequest
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.factories import MemberFactory, SignUpFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scrolling(page, what: str) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{what}: {width} px wide on a {inner} px screen"


def on_first_screen(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "(e) => { const r = e.getBoundingClientRect();"
        " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"
    )


@pytest.fixture
def groups(db):
    from django.apps import apps

    import_module("groups.migrations.0003_five_service_groups").create(apps, None)
    return ServiceGroup.objects.get(slug="agriculture")


def serve(request: ServiceRequest, group: ServiceGroup) -> None:
    """What the organisation does meanwhile: dispatch, accept (two volunteers), serve."""
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    request = services.request_dispatch(actor=admin, request=request, group=group)
    start = timezone.now() - datetime.timedelta(days=2)
    request = services.request_accept(
        actor=admin,
        request=request,
        volunteers_needed=2,
        skills=[],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        location="龙文区朝阳镇后坂村",
    )
    for name in ("王小梅", "陈建国"):
        SignUpFactory(activity=request.activity, member=MemberFactory(full_name=name))
    request = services.request_start(actor=admin, request=request)
    services.request_complete(
        actor=admin, request=request, delivery_notes="两次直播带货培训", people_served=20
    )


def test_a_villager_orders_follows_and_rates_a_service_on_a_phone(page_for, live_server, groups):
    base = live_server.url
    page = page_for(**PHONE, language="zh-hans")

    page.goto(f"{base}/")
    page.click("#home-request-service")
    page.wait_for_url(f"{base}/requests/new/")
    assert_no_sideways_scrolling(page, "the request form")
    assert_accessible(page, "the request form")
    screenshot(page, "request-form-phone")

    # Sent empty: the first error is on the first screen.
    page.click("#send-request")
    page.wait_for_selector("[data-error-summary]")
    assert on_first_screen(page, "[data-error-summary]")
    assert_no_sideways_scrolling(page, "the request form with errors")
    assert_accessible(page, "the request form with errors")

    page.fill("input[name=requester_name]", "林阿姨")
    page.fill("input[name=organisation]", "龙文区朝阳镇后坂村")
    page.fill("input[name=phone]", "137 1234 5678")
    page.select_option("select[name=district]", "longwen")
    page.check(f"input[name=wanted_group][value='{groups.pk}']")
    page.fill("textarea[name=description]", "村里二十户果农想学习在网上直播销售芦柑。")
    page.fill("input[name=preferred_dates]", "五月的周末")
    page.fill("input[name=beneficiaries]", "20")
    page.check("input[name=consent]")
    page.click("#send-request")
    page.wait_for_url(f"{base}/requests/*/receipt/")

    request = ServiceRequest.objects.get()
    assert request.phone == "13712345678" and request.language == "zh-hans"
    code_text = page.inner_text("#tracking-code").replace("\n", "").replace(" ", "")
    assert code_text == request.code
    assert page.locator("#tracking-qr svg").is_visible()
    assert_no_sideways_scrolling(page, "the receipt")
    assert_accessible(page, "the receipt")
    screenshot(page, "request-receipt-phone")

    serve(request, groups)
    page.click("#open-tracking")
    page.wait_for_url(f"{base}/requests/{request.code}/")
    assert page.get_attribute("#request-status", "data-status") == "completed"
    assert page.inner_text("#request-group") == groups.name_zh
    assert page.inner_text("#request-volunteers") == "王**、陈**"
    assert page.locator("#request-timeline li").count() == 5
    assert_no_sideways_scrolling(page, "the tracking page")
    assert_accessible(page, "the tracking page")
    screenshot(page, "request-tracking-phone")

    page.click("label[for=id_rating_4]")  # five stars, by tapping the label
    page.fill("textarea[name=comment]", "志愿者很专业，谢谢！")
    page.click("#send-rating")
    page.wait_for_selector("#request-rating")
    assert page.locator("#rating-form").count() == 0
    request.refresh_from_db()
    assert request.rating == 5 and request.status == ServiceRequest.Status.RATED
    assert_no_sideways_scrolling(page, "the tracking page, rated")


def test_a_requester_finds_their_request_again_by_typing_the_code(page_for, live_server, groups):
    """A code read off a receipt, typed on a phone in lower case with spaces: a wrong one
    gets its error on the first screen; the right one opens the tracking page."""
    request = ServiceRequest.objects.create(
        requester_name="林阿姨", phone="13712345678", district="longwen",
        description="想学习网上销售芦柑。", wanted_group=groups,
    )  # fmt: skip
    base = live_server.url
    page = page_for(**PHONE, language="zh-hans")
    page.goto(f"{base}/requests/new/")
    page.click("#already-sent a")
    page.wait_for_url(f"{base}/requests/track/")
    page.fill("input[name=code]", "abcd efgh jkmn")
    page.click("#lookup-submit")
    page.wait_for_selector("[data-error-summary]")
    assert on_first_screen(page, "[data-error-summary]")
    assert_no_sideways_scrolling(page, "the lookup with an error")
    assert_accessible(page, "the lookup with an error")
    screenshot(page, "request-lookup-phone")
    typed = " ".join(request.code[i : i + 4] for i in range(0, 12, 4)).lower()
    page.fill("input[name=code]", typed)
    page.click("#lookup-submit")
    page.wait_for_url(f"{base}/requests/{request.code}/")
    assert page.get_attribute("#request-status", "data-status") == "submitted"
