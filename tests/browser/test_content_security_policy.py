"""The content security policy holds in the browser: what it forbids is blocked and
reported, and Django admin (with django-import-export and django-simple-history) works
under it without a single violation. Every other browser test fails on a violation too
(``page_for`` in conftest.py)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from members.models import User
from tests.browser.conftest import log_in, watch_policies

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_inline_handler_is_blocked_and_reported(browser, live_server, demo):
    """The watch every browser test relies on sees what the policy blocks."""
    context = browser.new_context()
    problems: list[str] = []
    watch_policies(context, problems)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.evaluate(
            """() => new Promise(loaded => {
                 document.body.insertAdjacentHTML("beforeend",
                   '<img src="/static/img/favicon.svg" onload="window.ran = true">' +
                   '<p style="color: red">styled</p>');
                 document.querySelector("img[onload]").addEventListener("load", loaded);
               })"""
        )
        page.evaluate("0")  # the reports arrive
        assert page.evaluate("window.ran") is None  # the handler never ran
        assert any("script-src-attr" in p for p in problems), problems
        assert any("style-src-attr" in p for p in problems), problems
    finally:
        context.close()


def admin_pages(base_url, user) -> list[str]:
    """For every model in Django admin: its list, its add form (where adding is allowed),
    and the change form and history of its first row."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.has_add_permission(request):
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            pages.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    return [base_url + page for page in pages]


def test_django_admin_pages_keep_the_policy(page_for, live_server, demo):
    page = page_for()
    log_in(page, live_server.url, "admin")
    for url in admin_pages(live_server.url, User.objects.get(username="admin")):
        response = page.goto(url)
        assert response.status == 200, url
    # The portal's own admin pages, and django-import-export's, its preview included.
    for name in ("duplicates", "export", "import"):
        page.goto(live_server.url + reverse(f"admin:members_member_{name}"))
        assert page.locator("#content").is_visible()
    page.set_input_files(
        "input[name=import_file]",
        files=[{"name": "members.csv", "mimeType": "text/csv",
                "buffer": "姓名,手机号\n策略测试,13800138000\n".encode()}],
    )  # fmt: skip
    page.select_option("select[name=format]", label="csv")
    page.click("#content [type=submit]")
    expect(page.locator("input[name=confirm]")).to_be_visible()  # the preview, to confirm


def test_admin_widgets_work_under_the_policy(page_for, live_server, demo):
    """Widgets that build their own markup: the autocomplete (select2), the two-box
    selector, the calendar and clock, the export's select-all toggle."""
    from activities.models import Activity

    page = page_for()
    log_in(page, live_server.url, "admin")
    activity = Activity.objects.order_by("pk").first()
    page.goto(live_server.url + reverse("admin:activities_activity_change", args=[activity.pk]))
    page.click(".field-brand .select2-selection")
    page.wait_for_selector(".select2-results")
    page.keyboard.press("Escape")
    assert page.locator("#id_themes_from").is_visible()  # filter_horizontal drew its boxes
    page.locator(".datetimeshortcuts a[id^=calendarlink]").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(".datetimeshortcuts a[id^=clocklink]").first.click()
    expect(page.locator(".clockbox").first).to_be_visible()

    page.goto(live_server.url + reverse("admin:members_member_export"))
    toggle = page.locator("input.select-toggle")
    rows = page.locator(".selectable-field-export-row input[type=checkbox]")
    toggle.uncheck()
    assert rows.first.is_checked() is False
    toggle.check()
    assert rows.first.is_checked()
