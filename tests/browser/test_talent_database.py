import csv
import io

import pytest

from members.models import Skill
from tests.browser.conftest import log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_coordinator_filters_the_roster_by_skill_opens_a_member_and_exports(
    page_for, live_server, demo
):
    page = page_for()
    log_in(page, live_server.url, "coordinator")
    page.click("#my-groups")
    page.click(".dropdown-menu.show a:has-text('成员名单')")
    page.wait_for_url(f"{live_server.url}/groups/ecommerce/roster/")
    total = page.locator("table.member-table tbody tr").count()
    assert total > 5

    skill = Skill.objects.get(name="税法")
    page.select_option("select[name=skill]", str(skill.pk))
    page.click("#member-filters [type=submit]")
    page.wait_for_load_state()
    rows = page.locator("table.member-table tbody tr[data-member]")
    assert 0 < rows.count() < total
    for row in rows.all():
        assert "税法" in row.inner_text()
    screenshot(page, "roster")

    with page.expect_download() as download_info:
        page.click("#export-csv")
    content = download_info.value.path().read_bytes().decode("utf-8-sig")
    exported = list(csv.reader(io.StringIO(content)))
    assert exported[0][:2] == ["姓名", "手机号"]
    assert len(exported) - 1 == rows.count()  # the export took the filter
    assert all("税法" in row[12] for row in exported[1:])

    name = rows.first.locator("a").inner_text()
    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(name)
    assert page.locator("#audit-trail").is_visible()
    screenshot(page, "member-detail")


def test_volunteer_applies_and_the_coordinator_approves(page_for, live_server, demo):
    volunteer = page_for()
    log_in(volunteer, live_server.url, "volunteer")
    volunteer.goto(f"{live_server.url}/groups/ecommerce/")
    volunteer.click("#apply")
    volunteer.fill("textarea[name=motivation]", "我做过三年电商运营，周末可以来授课。")
    volunteer.click("main form [type=submit]")
    volunteer.wait_for_url(f"{live_server.url}/members/me/")
    assert "已申请" in volunteer.inner_text("[data-membership=ecommerce]")
    screenshot(volunteer, "my-page")

    coordinator = page_for()
    log_in(coordinator, live_server.url, "coordinator")
    coordinator.goto(f"{live_server.url}/groups/ecommerce/applications/")
    card = coordinator.locator("[data-application]", has_text="李小雨")
    assert "三年电商运营" in card.inner_text()
    screenshot(coordinator, "applications")
    card.locator("button.approve").click()
    coordinator.wait_for_load_state()
    assert "李小雨 已成为成员" in coordinator.inner_text(".alert")

    volunteer.reload()
    assert "在册" in volunteer.inner_text("[data-membership=ecommerce]")


def test_the_roster_works_on_a_phone(page_for, live_server, demo):
    page = page_for(width=390, height=844)
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/roster/")
    assert page.locator("table.member-table").is_visible()
    # The page itself never scrolls sideways; only the table's own box may.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "roster-phone")
    page.goto(f"{live_server.url}/members/me/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_coordinator_previews_and_confirms_an_import(page_for, live_server, demo, tmp_path):
    from groups.models import Membership

    known = (
        Membership.objects.filter(group__slug="ecommerce", status="active", member__user=None)
        .select_related("member")
        .first()
        .member
    )
    path = tmp_path / "new-members.csv"
    path.write_text(
        "姓名,手机号,工作单位,专长技能\n"
        "新来的,13912340000,,税法\n"
        f"{known.full_name},{known.phone},漳州新单位,\n",  # empty skills: kept
        encoding="utf-8-sig",
    )
    page = page_for()
    log_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/groups/ecommerce/roster/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("main form [type=submit]")
    page.wait_for_selector("#import-preview")
    assert page.inner_text("#count-new") == "1"
    assert page.inner_text("#count-updated") == "1"
    change = page.inner_text("#import-updates")
    assert known.masked_phone in change and "漳州新单位" in change and "专长技能" not in change
    screenshot(page, "import-preview")
    page.click("#confirm-import")
    page.wait_for_url(f"{live_server.url}/groups/ecommerce/roster/")
    assert "新增 1 人" in page.inner_text(".alert")


def test_large_roster_work_shows_its_progress_then_the_file_or_the_preview(
    page_for, live_server, demo, tmp_path, settings
):
    """Issue 13, on a phone: a large export's page shows its progress, follows it (the
    page's script asks for it) and offers the file when it is written; a large import is
    checked, confirmed and imported in the background, each step on its job's page."""
    from django.contrib.auth import get_user_model

    from groups import jobs
    from groups.models import RosterJob, ServiceGroup
    from tests.browser.axe import assert_accessible
    from tests.browser.test_phone_layouts import PHONE, no_sideways_scroll

    settings.IMPORT_SPOOL_DIR = tmp_path / "spool"
    page = page_for(**PHONE)
    log_in(page, live_server.url, "coordinator")

    # A job waiting for a worker (none runs in this test until it is run by hand below).
    job = RosterJob.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"),
        requested_by=get_user_model().objects.get(username="coordinator"),
        kind=RosterJob.Kind.EXPORT,
        parameters={"query": "", "format": "xlsx", "filename": "roster-ecommerce.xlsx"},
    )
    page.goto(f"{live_server.url}/groups/ecommerce/roster/jobs/{job.pk}/")
    assert "排队等待" in page.inner_text("#job-message")
    RosterJob.objects.filter(pk=job.pk).update(status="running", total=4000)
    jobs.note_progress(job.pk, 1500)
    page.wait_for_function("() => document.getElementById('job-bar').value === 38")
    assert page.inner_text("#job-message") == "已处理 1500 / 4000 行"
    assert no_sideways_scroll(page)
    assert_accessible(page, "a roster job in progress")
    screenshot(page, "roster-job-progress")

    RosterJob.objects.filter(pk=job.pk).update(status="queued")
    jobs.job_run(job.pk)  # as a worker would: the page reloads itself with the file
    page.wait_for_selector("#job-download")
    assert no_sideways_scroll(page)
    assert_accessible(page, "a roster job done")
    with page.expect_download() as download_info:
        page.click("#job-download")
    assert download_info.value.suggested_filename == "roster-ecommerce.xlsx"
    assert download_info.value.path().read_bytes()[:2] == b"PK"  # a workbook

    # A large file: checked in the background, then imported there too.
    settings.IMPORT_BACKGROUND_BYTES = 10
    path = tmp_path / "many-members.csv"
    path.write_text(
        "姓名,手机号\n" + "".join(f"新成员{n},1391234{n:04d}\n" for n in range(30)),
        encoding="utf-8-sig",
    )
    page.goto(f"{live_server.url}/groups/ecommerce/roster/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("main form [type=submit]")
    page.wait_for_selector("#import-preview")
    assert "/roster/jobs/" in page.url and page.inner_text("#count-new") == "30"
    assert no_sideways_scroll(page)
    assert_accessible(page, "a background import's preview")
    page.check("#import-invite")
    page.click("#confirm-import")
    page.wait_for_selector("#job-imported")
    assert "新增 30 人" in page.inner_text("#job-imported")
    screenshot(page, "roster-job-imported")
