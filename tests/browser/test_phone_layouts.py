"""What a person meets on a 390 x 844 phone: no sideways scrolling, a failed form opening on
its summary of errors with its first bad field focused, filters folded with their chips
showing, and the month calendar as an agenda."""

import datetime
import re

import pytest
from django.utils import timezone

from activities.models import Activity
from groups.models import ServiceGroup
from members.models import Skill
from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def assert_first_error_focused_on_screen(page, field_id: str) -> None:
    """The field is the focused element and lies within the screen now shown (waiting out
    a smooth scroll)."""
    page.wait_for_function(
        """id => {
            const el = document.activeElement;
            if (!el || el.id !== id) return false;
            const box = el.getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        arg=field_id,
    )
    assert no_sideways_scroll(page)


def assert_failed_form_opens_on_its_errors(page, field_id: str) -> bool:
    """A failed form as it opens: the summary of errors is on the screen shown. When the
    first field with an error lies within the page's first screen, it is focused and on
    screen; otherwise the page stays at the top and the summary, whose links lead to the
    fields, has the focus. Returns whether the field is on the first screen."""
    page.wait_for_function(
        """id => document.activeElement && (document.activeElement.id === id
            || document.activeElement.matches(".form-error-summary"))""",
        arg=field_id,
    )
    page.wait_for_timeout(500)  # a smooth scroll, had one started, would be under way
    focused_field = page.evaluate("id => document.activeElement.id === id", field_id)
    state = page.evaluate(
        """id => {
            const summary = document.querySelector(".form-error-summary").getBoundingClientRect();
            const field = document.getElementById(id).getBoundingClientRect();
            return {
                summaryTop: summary.top, summaryBottom: summary.bottom,
                fieldTop: field.top, fieldBottom: field.bottom,
                fieldPageBottom: field.bottom + window.scrollY,
                height: window.innerHeight, scrollY: window.scrollY,
            };
        }""",
        field_id,
    )
    assert 0 <= state["summaryTop"] < state["height"], f"the summary is off screen: {state}"
    on_first_screen = state["fieldPageBottom"] <= state["height"]
    assert focused_field == on_first_screen, "the field on the first screen, else the summary"
    if on_first_screen:
        assert state["fieldTop"] >= 0 and state["fieldBottom"] <= state["height"], state
    else:
        assert state["scrollY"] == 0, f"the page moved away from the summary: {state}"
    assert no_sideways_scroll(page)
    return on_first_screen


def test_a_failed_activity_form_shows_its_errors_and_focuses_the_first_on_a_phone(
    page_for, live_server, demo
):
    page = page_for(**PHONE)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/activities/new/")
    assert no_sideways_scroll(page)
    page.click("#activity-form [type=submit]")  # everything empty
    page.wait_for_selector(".form-error-summary")
    summary = page.locator(".form-error-summary")
    assert summary.bounding_box()["y"] < PHONE["height"]  # at the top: on the first screen
    assert "#id_title" in summary.locator("a").first.get_attribute("href")
    assert assert_failed_form_opens_on_its_errors(page, "id_title")  # on the first screen
    screenshot(page, "activity-form-errors-phone")
    assert_accessible(page, "the activity form with errors")

    # An error far down the form: the page stays on the summary at the top, the summary
    # has the focus, and its link leads to the field.
    start = timezone.localtime() + datetime.timedelta(days=5)
    page.fill("#id_title", "手机上填写的活动")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill(
        "#id_signup_closes_at", (start + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    page.click("#activity-form [type=submit]")
    page.wait_for_selector(".form-error-summary a[href='#id_signup_closes_at']")
    assert not assert_failed_form_opens_on_its_errors(page, "id_signup_closes_at")
    page.evaluate("document.activeElement.blur()")
    page.click(".form-error-summary a[href='#id_signup_closes_at']")
    assert_first_error_focused_on_screen(page, "id_signup_closes_at")


def test_sign_up_and_profile_forms_focus_their_first_error_on_a_phone(page_for, live_server, demo):
    page = page_for(**PHONE)
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=full_name]", "新志愿者")
    page.fill("input[name=phone]", "123")  # not a mobile number
    page.fill("input[name=email]", "new@example.com")
    page.fill("input[name=password1]", "a-long-pass-2026")
    page.fill("input[name=password2]", "a-long-pass-2026")
    page.click("main form [type=submit]")
    page.wait_for_selector(".form-error-summary")
    assert_failed_form_opens_on_its_errors(page, "id_phone")
    assert_accessible(page, "the sign-up form with errors")

    log_in(page, live_server.url, "volunteer")
    page.goto(f"{live_server.url}/members/me/edit/")
    page.fill("#id_full_name", "")
    page.click("#member-form [type=submit]")
    page.wait_for_selector(".form-error-summary")
    assert_failed_form_opens_on_its_errors(page, "id_full_name")


def test_the_roster_shows_its_active_filters_as_chips_on_a_phone(page_for, live_server, demo):
    page = page_for(**PHONE)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/roster/")
    total = page.locator("table.member-table tbody tr[data-member]").count()
    skill = Skill.objects.get(name="税法")
    page.click("text=更多筛选")  # the extra filters are folded on a phone
    page.select_option("select[name=skill]", str(skill.pk))
    page.select_option("select[name=personnel_category]", index=1)
    page.click("#member-filters [type=submit]")
    page.wait_for_load_state()
    # The extra filters fold again, and the chips say what is applied.
    assert not page.locator("select[name=skill]").is_visible()
    chips = page.locator("[data-filter-chip]")
    assert chips.count() == 2
    skill_chip = page.locator("[data-filter-chip]", has_text="税法")
    assert skill_chip.is_visible() and "专长" in skill_chip.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "roster-filtered-phone")
    assert_accessible(page, "the filtered roster")

    chips.first.click()  # remove the category (the form's first): the skill filter stays
    page.wait_for_load_state()
    assert page.locator("[data-filter-chip]").count() == 1
    assert f"skill={skill.pk}" in page.url
    rows = page.locator("table.member-table tbody tr[data-member]").count()
    page.click("[data-clear-filters]")
    page.wait_for_load_state()
    assert page.locator("[data-filter-chip]").count() == 0
    assert page.locator("table.member-table tbody tr[data-member]").count() == total >= rows


def test_activities_on_a_phone_fold_the_filters_and_show_the_month_as_an_agenda(
    page_for, live_server, demo
):
    page = page_for(**PHONE)
    page.goto(f"{live_server.url}/activities/")
    # The filters are behind one button, so an activity shows on the first screen.
    assert not page.locator("#activity-filters").is_visible()
    first_card = page.locator("[data-activity]").first
    assert first_card.bounding_box()["y"] < PHONE["height"]
    assert no_sideways_scroll(page)
    page.click("#toggle-filters")
    page.wait_for_selector("#activity-filters-panel.show")
    page.select_option("select[name=kind]", "training")
    page.click("#activity-filters [type=submit]")
    page.wait_for_load_state()
    assert not page.locator("#activity-filters").is_visible()
    assert re.search(r"[(（]1[)）]", page.inner_text("#toggle-filters"))
    chip = page.locator("[data-filter-chip]")
    assert chip.count() == 1 and chip.is_visible()
    assert page.locator("[data-activity]").first.bounding_box()["y"] < PHONE["height"]
    screenshot(page, "activities-filtered-phone")

    # The month: an agenda of days with their activities, full titles, nothing cut off.
    title = "一个很长的活动标题：乡村电商直播带货实操培训班（第三期）"
    start = timezone.localtime() + datetime.timedelta(days=1)
    Activity.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"),
        title=title,
        kind="training",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status="published",
    )
    page.goto(f"{live_server.url}/activities/?view=calendar&month={start:%Y-%m}")
    assert not page.locator("#month-calendar").is_visible()
    agenda = page.locator("#month-agenda")
    assert agenda.is_visible()
    item = agenda.locator(".agenda-item", has_text=title)
    assert item.is_visible() and title in item.inner_text()
    assert no_sideways_scroll(page)
    screenshot(page, "activities-calendar-phone")

    # From a tablet up the table shows the whole week, weekend included, without
    # overflowing.
    for width, height in ((768, 1024), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.locator("#month-calendar").is_visible()
        assert not agenda.is_visible()
        sunday = page.locator("#month-calendar thead th").last.bounding_box()
        assert sunday["x"] + sunday["width"] <= width
        assert no_sideways_scroll(page)
    assert page.locator("#month-calendar .calendar-item", has_text=title).is_visible()


def test_a_big_activitys_participants_turn_pages_and_search_on_a_phone(page_for, live_server, demo):
    """Issue 12: 60 confirmed and 55 waiting, fifty rows a list at a time; the waiting
    list's next page numbers on from 51, and a search finds one person."""
    from activities.models import SignUp
    from members.models import Member

    start = timezone.now() + datetime.timedelta(days=5)
    activity = Activity.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"),
        title="大型活动：五百人的讲座",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=60,
        status="published",
    )
    members = Member.objects.bulk_create(
        [Member(full_name=f"参加者{i:03d}", phone=f"1720000{i:04d}") for i in range(115)]
    )
    SignUp.objects.bulk_create(
        [
            SignUp(
                activity=activity,
                member=member,
                status="confirmed" if i < 60 else "waiting",
                created_at=timezone.now() - datetime.timedelta(minutes=200 - i),
            )
            for i, member in enumerate(members)
        ]
    )
    page = page_for(**PHONE)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/activities/{activity.pk}/participants/")
    assert page.locator("table.participants").first.locator("tbody tr").count() == 50
    assert page.locator("#participant-search").is_visible()
    assert no_sideways_scroll(page)
    assert_accessible(page, "a big activity's participants")

    page.locator("a[href$='waiting_page=2#waiting']").click()
    page.wait_for_load_state()
    waiting = page.locator("table.participants").nth(1)
    assert waiting.locator("tbody tr").first.locator("td").first.inner_text() == "51"
    assert no_sideways_scroll(page)

    page.fill("#participant-q", "参加者112")
    page.click("#participant-search [type=submit]")
    page.wait_for_load_state()
    rows = page.locator("table.participants tbody tr[data-signup]")
    assert rows.count() == 1 and "参加者112" in rows.first.inner_text()
    screenshot(page, "participants-search-phone")
    assert no_sideways_scroll(page)
