"""Issue 10, the board on a phone (390 px): a member of the e-commerce group goes from
"My page" to the board, sees the group's open requests (never the requester's name or
phone), and offers to help with one; the group's coordinator sees the offer at the top of
the request's page and asks them. No sideways scrolling, axe-core clean."""

import datetime
from importlib import import_module

import pytest
from django.utils import timezone

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_records_phone import (
    PHONE,
    assert_fully_visible,
    assert_no_sideways_scrolling,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def board_world(db):
    """The groups and skills (a flush empties them), the e-commerce coordinator, a member
    of the group, two of its open requests (one accepted) and another group's."""
    from django.apps import apps

    from groups.models import LeaderAssignment, Membership, ServiceGroup
    from service_requests import services
    from service_requests.models import ServiceRequest
    from tests.factories import (
        LeaderAssignmentFactory,
        MemberFactory,
        MembershipFactory,
        UserFactory,
    )

    for migration in ("groups.migrations.0003_five_service_groups",
                      "members.migrations.0003_default_skills"):  # fmt: skip
        import_module(migration).create(apps, None)
    ecommerce = ServiceGroup.objects.get(slug="ecommerce")
    coordinator = UserFactory(username="coord", password=PASSWORD)
    LeaderAssignmentFactory(
        group=ecommerce,
        member=MemberFactory(user=coordinator, full_name="王协调"),
        role=LeaderAssignment.Role.COORDINATOR,
    )
    volunteer = UserFactory(username="xiaoming", password=PASSWORD)
    MembershipFactory(
        member=MemberFactory(user=volunteer, full_name="王小明", district="longwen"),
        group=ecommerce,
        status=Membership.Status.ACTIVE,
    )
    base = {"phone": "13712345678", "email": "lin.ayi@example.com", "group": ecommerce,
            "wanted_group": ecommerce, "status": ServiceRequest.Status.DISPATCHED}  # fmt: skip
    oranges = ServiceRequest.objects.create(
        requester_name="林阿姨", organisation="龙文区朝阳镇下庄村", district="longwen",
        description="村里的芦柑滞销，想请老师教大家用手机直播卖货。有事打我电话 13712345678。",
        preferred_dates="十二月的周末", beneficiaries=40, **base,
    )  # fmt: skip
    shop = ServiceRequest.objects.create(
        requester_name="陈老板", organisation="漳浦县某茶厂", district="zhangpu",
        description="茶厂想开网店，需要有人帮忙拍产品照片、写商品介绍。", **base,
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=6)
    services.request_accept(
        actor=coordinator, request=shop, volunteers_needed=2, skills=[], starts_at=start,
        ends_at=start + datetime.timedelta(hours=3), location="漳浦县绥安镇",
    )  # fmt: skip
    ServiceRequest.objects.create(
        requester_name="黄老师", district="xiangcheng", description="社区中秋晚会需要节目。",
        phone="13712345678", group=ServiceGroup.objects.get(slug="culture"),
        status=ServiceRequest.Status.DISPATCHED,
    )  # fmt: skip
    return {"oranges": oranges, "shop": shop}


def log_in(page, base_url, username, target):
    page.goto(f"{base_url}/accounts/login/?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base_url}{target}")


def test_a_member_offers_to_help_from_the_board_on_a_phone(page_for, live_server, board_world):
    from service_requests.models import HelpOffer

    oranges = board_world["oranges"]
    phone = page_for(**PHONE)
    log_in(phone, live_server.url, "xiaoming", "/members/me/")
    phone.click("#board-link")
    phone.wait_for_url("**/requests/board/")
    cards = phone.locator("article.board-request")
    assert cards.count() == 2  # the group's two open requests; not the culture group's
    text = phone.inner_text("#board")
    for personal in ("林阿姨", "陈老板", "下庄村", "漳浦县某茶厂", "13712345678", "lin.ayi"):
        assert personal not in text, personal
    assert "137****5678" in text and "芦柑滞销" in text
    assert_no_sideways_scrolling(phone, "the board")
    button = phone.locator(f"#offer-{oranges.pk}")
    assert_fully_visible(button, "I can help")
    assert_accessible(phone, "the board on a phone")
    button.click()
    phone.wait_for_selector(f"#request-{oranges.pk} .board-offered")
    assert HelpOffer.objects.filter(request=oranges, member__full_name="王小明").exists()
    assert_no_sideways_scrolling(phone, "the board after offering")
    screenshot(phone, "requests-board-phone")

    shop = board_world["shop"]
    phone.click(f"#offer-{shop.pk}")
    phone.wait_for_selector(f"#request-{shop.pk} .board-offered")

    # The coordinator, on a phone too: the offer on the dispatched request is listed (to
    # ask once it is accepted); on the accepted one it is a box at the top, to tick.
    coordinator = page_for(**PHONE)
    log_in(coordinator, live_server.url, "coord", f"/requests/manage/{oranges.pk}/")
    assert "王小明" in coordinator.inner_text("#help-offers")
    coordinator.goto(f"{live_server.url}/requests/manage/{shop.pk}/")
    offered = coordinator.locator("#invite-form #help-offers input[name=member]")
    assert offered.count() == 1
    offered.check()
    assert_no_sideways_scrolling(coordinator, "the request with an offer")
    coordinator.locator("#request-volunteers").scroll_into_view_if_needed()
    screenshot(coordinator, "request-help-offers-phone")
    coordinator.click("#invite")
    coordinator.wait_for_selector("#help-offers .offer-asked")
    assert "王小明" in coordinator.inner_text("#asked-volunteers")
    assert_accessible(coordinator, "the request with an offer asked")
