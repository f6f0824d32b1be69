import datetime

import pytest
from django.utils import timezone

from activities.models import Activity
from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def soon(demo):
    from groups.models import ServiceGroup

    # Starting in half an hour: sign-up is still open and check-in has opened.
    start = timezone.localtime().replace(second=0, microsecond=0) + datetime.timedelta(minutes=30)
    return Activity.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"),
        title="浏览器测试：电商直播实训",
        kind="training",
        location="漳州市演示培训中心",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=10,
        status="published",
    )


def test_volunteer_signs_up_coordinator_records_hours_volunteer_sees_stars(
    page_for, live_server, soon
):
    volunteer = page_for(width=390, height=844)  # volunteers use their phones
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/activities/?kind=training")
    volunteer.click(f"[data-activity='{soon.pk}'] a.stretched-link")
    volunteer.wait_for_url(f"{live_server.url}/activities/{soon.pk}/")
    screenshot(volunteer, "activity-detail-phone")
    volunteer.click("#signup")
    volunteer.wait_for_load_state()
    assert "报名成功" in volunteer.inner_text(".alert")
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= 390
    volunteer.goto(f"{live_server.url}/members/me/")
    assert soon.title in volunteer.inner_text("#my-activities")
    before = volunteer.inner_text("#total-hours")

    coordinator = page_for()
    log_in(coordinator, live_server.url, "coordinator")
    coordinator.goto(f"{live_server.url}/activities/{soon.pk}/attendance/")
    row = coordinator.locator(".attendance-row", has_text="李小雨")
    row.locator("select").select_option("true")
    start = timezone.localtime(soon.starts_at)
    row.locator("input[name$=checked_in_at]").fill(start.strftime("%Y-%m-%dT%H:%M"))
    row.locator("input[name$=checked_out_at]").fill(
        (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    screenshot(coordinator, "attendance")
    coordinator.click("#attendance-form [type=submit]")
    coordinator.wait_for_load_state()
    assert "出勤记录已保存" in coordinator.inner_text(".alert")

    coordinator.goto(f"{live_server.url}/activities/{soon.pk}/hours/")
    coordinator.click("#propose-all")
    coordinator.wait_for_load_state()
    assert "2.00" in coordinator.inner_text("#hours-table")
    # Approving waits until the activity has ended (issue 8): the page says when.
    assert coordinator.locator("#approve-hours").count() == 0
    assert coordinator.locator("#hours-approve-later").is_visible()
    Activity.objects.filter(pk=soon.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    coordinator.reload()
    coordinator.click("#approve-hours")
    coordinator.wait_for_load_state()
    assert "已审核 1 条记录" in coordinator.inner_text(".alert")
    screenshot(coordinator, "hours")

    volunteer.reload()
    after = volunteer.inner_text("#total-hours")
    assert float(after.split()[0]) == pytest.approx(float(before.split()[0]) + 2)
    assert volunteer.locator("#star-level .bi-star-fill").count() >= 1
    screenshot(volunteer, "my-page-phone")


def test_activity_list_calendar_and_dashboard(page_for, live_server, soon):
    page = page_for()
    page.goto(f"{live_server.url}/activities/")
    screenshot(page, "activities")
    page.click("#calendar-view")
    page.wait_for_selector("#month-calendar")
    screenshot(page, "activities-calendar")
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/dashboard/")
    assert soon.title in page.inner_text("#dashboard-activities")
    screenshot(page, "dashboard")
    page.goto(f"{live_server.url}/activities/{soon.pk}/qr/")
    assert page.locator("#qr-code svg").count() == 1
    # The screen renews its code (every 20 s, and at once when it wakes up).
    with page.expect_response(lambda response: "/qr/refresh/" in response.url) as renewed:
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    assert renewed.value.ok
    page.wait_for_function("document.querySelectorAll('#qr-code svg').length === 1")
    assert page.locator("#qr-offline").is_hidden()
    screenshot(page, "qr")
