"""Layouts found broken walking the portal on a 390 x 844 phone: the roster and the talent
search once a member has been invited, the dashboard's table headers; and the member page's
"Deactivate" button, which asks first."""

import pytest
from django.contrib.auth import get_user_model

from groups.models import Membership
from members.models import Member
from members.services import invitation_create
from tests.browser.axe import assert_accessible
from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
LONG_EMPLOYER = "漳州市龙文区新阶层电子商务产业孵化基地直播运营中心有限公司"


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def invite_members_without_accounts(group_slug="ecommerce", count=4) -> list[Member]:
    """Invite (in person) members of the group who have no account, giving them a long
    employer name."""
    actor = get_user_model().objects.get(username="coordinator")
    members = list(
        Member.objects.filter(
            user__isnull=True,
            status=Member.Status.ACTIVE,
            memberships__group__slug=group_slug,
            memberships__status=Membership.Status.ACTIVE,
        ).order_by("pk")[:count]
    )
    assert members, "the demo data has members without accounts"
    Member.objects.filter(pk__in=[m.pk for m in members]).update(employer=LONG_EMPLOYER)
    for member in members:
        invitation_create(actor=actor, member=member, channel="in_person")
    return members


def dates_are_whole(locator) -> bool:
    """Every YYYY-MM-DD in the element lies on one line (none split at a hyphen)."""
    return locator.evaluate(
        """el => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            let node, found = 0;
            while ((node = walker.nextNode())) {
                for (const match of node.data.matchAll(/\\d{4}-\\d{2}-\\d{2}/g)) {
                    const range = document.createRange();
                    range.setStart(node, match.index);
                    range.setEnd(node, match.index + match[0].length);
                    const rects = Array.from(range.getClientRects());
                    const tops = new Set(rects.map(r => Math.round(r.top)));
                    if (tops.size !== 1) return false;
                    found += 1;
                }
            }
            return found > 0;
        }"""
    )


def assert_member_table_fits(page, invited: list[Member], where: str) -> None:
    assert no_sideways_scroll(page), f"{where}: the page scrolls sideways"
    fits = page.evaluate(
        """() => {
            const box = document.querySelector(".member-table").closest(".table-responsive");
            return [box.scrollWidth, box.clientWidth];
        }"""
    )
    assert fits[0] <= fits[1], f"{where}: the table ({fits[0]} px) overflows its box ({fits[1]})"
    shown = 0
    for member in invited:
        row = page.locator(f"tr[data-member='{member.pk}']")
        if not row.count():
            continue  # on another page of the roster
        shown += 1
        cells = row.locator("td:visible")  # name, phone, employer on a phone
        name, phone, employer = (cells.nth(i).bounding_box() for i in range(3))
        assert employer["width"] > 60, f"{where}: the employer column is {employer['width']} px"
        assert phone["x"] + phone["width"] <= PHONE["width"], f"{where}: the phone is cut off"
        assert name["width"] < 180, f"{where}: the name column is {name['width']} px"
        status = row.locator("td").first.locator("[data-account-status]")
        assert status.is_visible(), f"{where}: the invitation is not shown under the name"
        assert status.locator(".badge[data-invited]").is_visible()
        assert dates_are_whole(status), f"{where}: a date breaks at its hyphen"
    assert shown, f"{where}: no invited member on the first page"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_roster_and_talent_search_fit_a_phone_with_invited_members(
    page_for, live_server, demo, language
):
    invited = invite_members_without_accounts()
    page = page_for(language=language, **PHONE)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/roster/")
    assert_member_table_fits(page, invited, "the roster")
    screenshot(page, f"roster-invited-phone-{language}")
    assert_accessible(page, "the roster with invited members")

    page.goto(f"{live_server.url}/members/")
    assert_member_table_fits(page, invited, "the talent search")
    screenshot(page, f"talent-search-invited-phone-{language}")

    # From a tablet up the account column shows the invitation instead, still fitting.
    page.set_viewport_size({"width": 768, "height": 1024})
    status = page.locator(f"tr[data-member='{invited[0].pk}'] td.account-status")
    assert status.is_visible() and status.locator("[data-invited]").is_visible()
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_headers_do_not_wrap_letter_by_letter_on_a_phone(
    page_for, live_server, demo, language
):
    page = page_for(language=language, **PHONE)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/dashboard/")
    # Each header's text on one line: a Range gives one box per line it takes.
    lines = page.evaluate(
        """() => Array.from(document.querySelectorAll("#dashboard-activities thead th")).map(th => {
            const range = document.createRange();
            range.selectNodeContents(th);
            return [th.innerText, new Set(Array.from(range.getClientRects(),
                                                     r => Math.round(r.top))).size];
        })"""
    )
    assert lines and all(n == 1 for _text, n in lines), lines
    assert no_sideways_scroll(page)
    box = page.evaluate(
        """() => { const b = document.querySelector("#dashboard-activities").parentElement;
                   return [b.scrollWidth, b.clientWidth]; }"""
    )
    assert box[0] <= box[1], box
    screenshot(page, f"dashboard-phone-{language}")


def test_deactivating_a_member_asks_first(page_for, live_server, demo):
    member = Member.objects.filter(
        status=Member.Status.ACTIVE,
        memberships__group__slug="ecommerce",
        memberships__status=Membership.Status.ACTIVE,
        user__isnull=True,
    ).first()
    page = page_for(**PHONE)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/members/{member.pk}/")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("#deactivate")
    page.wait_for_timeout(300)
    assert messages and member.full_name in messages[0]
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE  # said no: nothing happened

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#deactivate")
    page.wait_for_load_state()
    page.wait_for_selector("text=重新启用")
    member.refresh_from_db()
    assert member.status == Member.Status.INACTIVE
