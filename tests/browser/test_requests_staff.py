"""Issue 10, the staff's side in a browser: an administrator at a desk (1280 px) opens the
triage queue of three requests and dispatches one; the group's coordinator, on a phone
(390 px), finds it in the queue and accepts it for two volunteers: a failed try shows its
error first, then a draft activity is made. No sideways scrolling, axe-core clean."""

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
def desk(db):
    """The five groups and the skills (a flush between live-server tests empties them), an
    administrator, the e-commerce group's coordinator and three requests waiting."""
    from django.apps import apps

    from groups.models import LeaderAssignment, ServiceGroup
    from service_requests.models import ServiceRequest
    from tests.factories import LeaderAssignmentFactory, MemberFactory, UserFactory

    for migration in ("groups.migrations.0003_five_service_groups",
                      "members.migrations.0003_default_skills"):  # fmt: skip
        import_module(migration).create(apps, None)
    UserFactory(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    coordinator = UserFactory(username="coord", password=PASSWORD)
    ecommerce = ServiceGroup.objects.get(slug="ecommerce")
    LeaderAssignmentFactory(
        group=ecommerce,
        member=MemberFactory(user=coordinator, full_name="王协调"),
        role=LeaderAssignment.Role.COORDINATOR,
    )
    base = {"phone": "13712345678", "channel": "online"}
    made = [
        ServiceRequest.objects.create(
            requester_name="林阿姨", organisation="龙文区朝阳镇下庄村", district="longwen",
            wanted_group=ecommerce, description="村里的芦柑滞销，想请老师教大家用手机直播卖货。",
            beneficiaries=40, **base,
        ),
        ServiceRequest.objects.create(
            requester_name="陈老板", organisation="漳浦县某茶厂", district="zhangpu",
            description="不清楚找哪个服务团：想了解小微企业的税收优惠和记账。", **base,
        ),
        ServiceRequest.objects.create(
            requester_name="黄老师", district="xiangcheng",
            wanted_group=ServiceGroup.objects.get(slug="culture"),
            description="社区中秋晚会需要两个文艺节目。", **base,
        ),
    ]  # fmt: skip
    from groups.models import Membership
    from tests.factories import MembershipFactory

    for name, district in (("李直播", "longwen"), ("张摄影", "longwen"), ("周会计", "zhangpu")):
        MembershipFactory(
            member=MemberFactory(full_name=name, district=district),
            group=ecommerce,
            status=Membership.Status.ACTIVE,
        )
    return {"ecommerce": ecommerce, "oranges": made[0]}


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/?next=/requests/queue/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base_url}/requests/queue/")


def test_an_admin_dispatches_and_the_coordinator_accepts_on_a_phone(page_for, live_server, desk):
    from service_requests.models import ServiceRequest

    oranges = desk["oranges"]
    admin = page_for(width=1280, height=900)
    log_in(admin, live_server.url, "boss")
    admin.click("#triage-queue")
    admin.wait_for_url("**/requests/queue/?status=submitted")
    assert admin.locator("#request-queue tbody tr[data-request]").count() == 3
    assert oranges.code not in admin.content()  # the requester's key stays theirs
    screenshot(admin, "requests-queue")
    assert_accessible(admin, "the triage queue")
    admin.click(f"#request-queue tr[data-request='{oranges.pk}'] a")
    # The wanted group is proposed; dispatching is one press.
    assert admin.input_value("#id_dispatch-group") == str(desk["ecommerce"].pk)
    admin.click("#move-dispatch")
    admin.wait_for_url(f"**/requests/manage/{oranges.pk}/")
    assert admin.locator("#request-status").get_attribute("data-status") == "dispatched"
    assert_accessible(admin, "a dispatched request")

    phone = page_for(**PHONE)
    log_in(phone, live_server.url, "coord")
    assert_no_sideways_scrolling(phone, "the queue")
    assert phone.locator("#request-queue tbody tr[data-request]").count() == 1
    assert_fully_visible(phone.locator(f"tr[data-request='{oranges.pk}'] a"), "the request")
    screenshot(phone, "requests-queue-phone")
    phone.click(f"tr[data-request='{oranges.pk}'] a")
    phone.wait_for_selector("#request-moves")  # the request's page, loaded
    assert_no_sideways_scrolling(phone, "the request")
    assert_accessible(phone, "the request on a phone")
    start = timezone.localtime() + datetime.timedelta(days=5)
    start = start.replace(hour=9, minute=0)
    phone.fill("#id_accept-volunteers_needed", "2")
    phone.fill("#id_accept-starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#id_accept-ends_at", start.strftime("%Y-%m-%dT%H:%M"))  # a slip: no length
    phone.fill("#id_accept-location", "龙文区朝阳镇下庄村村委会")
    phone.locator("#move-accept-form input[name=accept-skills]").first.check()
    phone.click("#move-accept")
    # The error comes first, on the first screen; nothing was accepted.
    summary = phone.locator("[data-error-summary]").first
    summary.wait_for()
    assert summary.is_visible() and summary.bounding_box()["y"] < PHONE["height"]
    assert ServiceRequest.objects.get(pk=oranges.pk).status == "dispatched"
    # Again, from the page as it opens, with the right times: the form as people see it.
    phone.goto(f"{live_server.url}/requests/manage/{oranges.pk}/")
    phone.fill("#id_accept-volunteers_needed", "2")
    phone.fill("#id_accept-starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    end = start + datetime.timedelta(hours=3)
    phone.fill("#id_accept-ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    phone.fill("#id_accept-location", "龙文区朝阳镇下庄村村委会")
    phone.locator("#move-accept-form input[name=accept-skills]").first.check()
    assert_no_sideways_scrolling(phone, "the accept form")
    screenshot(phone, "request-accept-phone")
    phone.click("#move-accept")
    phone.wait_for_url(f"**/requests/manage/{oranges.pk}/")
    assert_fully_visible(phone.locator("#complete-activity"), "complete and publish")
    # Suggestions from the talent database, best first, each with its reasons: the
    # coordinator ticks two of them and asks.
    suggestions = phone.locator("#invite-form .suggestion-list li")
    assert suggestions.count() == 3
    assert "同一区县" in suggestions.first.inner_text()
    assert_no_sideways_scrolling(phone, "the suggestions")
    phone.locator("#invite-form input[name=member]").nth(0).check()
    phone.locator("#invite-form input[name=member]").nth(1).check()
    phone.locator("#request-volunteers").scroll_into_view_if_needed()
    screenshot(phone, "request-suggestions-phone")
    phone.click("#invite")
    phone.wait_for_selector("#asked-volunteers")
    assert phone.locator("#asked-volunteers li").count() == 2
    assert_accessible(phone, "the request with volunteers asked")
    oranges.refresh_from_db()
    assert oranges.status == "accepted" and oranges.activity.capacity == 2
    assert oranges.activity.skills_wanted.count() == 1
