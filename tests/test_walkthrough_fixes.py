"""Defects found walking the portal in a browser (the server-rendered half; the layouts are
in tests/browser/test_walkthrough_fixes.py): the attendance sheet is read-only before it can
be recorded, hours carry their unit, a member with no category is counted as "not given",
and deactivating a member asks first."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from activities import services
from activities.models import Activity
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    MembershipFactory,
    SignUpFactory,
    UserFactory,
)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def attendance_controls(html: str) -> list[str]:
    """The attendance rows' visible controls (select and datetime inputs), as tags."""
    form = html.split('id="attendance-form"')[1].split("</form>")[0]
    return re.findall(r"<select[^>]*>|<input[^>]*type=\"datetime-local\"[^>]*>", form)


# --- The attendance sheet before the activity can be recorded --------------------------------


def test_the_attendance_sheet_is_read_only_until_the_activity_is_under_way(
    client, coordinator, ecommerce
):
    activity = ActivityFactory()  # starts in three days
    SignUpFactory(activity=activity)
    SignUpFactory(activity=activity)
    client.force_login(coordinator)
    url = reverse("activities:attendance", args=[activity.pk])

    html = client.get(url).content.decode()
    assert 'id="attendance-not-yet"' in html
    assert len(attendance_controls(html)) == 6  # attended, in, out for each
    rows = html.split('id="attendance-form"')[1].split("</form>")[0]
    # One disabled fieldset holds every row: nothing can be typed and then lost.
    fieldset = re.search(r"<fieldset[^>]*>", rows)
    assert fieldset and "disabled" in fieldset.group(0)
    assert rows.index(fieldset.group(0)) < rows.index("attendance-row")
    assert 'type="submit"' not in rows

    # Under way: the same sheet can be filled in and saved.
    start = timezone.now() - datetime.timedelta(minutes=30)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    html = client.get(url).content.decode()
    rows = html.split('id="attendance-form"')[1].split("</form>")[0]
    assert 'id="attendance-not-yet"' not in html
    assert "disabled" not in rows
    assert all("disabled" not in tag for tag in attendance_controls(html))
    assert 'type="submit"' in rows


def test_a_cancelled_activitys_attendance_sheet_is_read_only(client, coordinator, ecommerce):
    start = timezone.now() - datetime.timedelta(minutes=30)
    activity = ActivityFactory(
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), status="cancelled"
    )
    SignUpFactory(activity=activity)
    client.force_login(coordinator)
    html = client.get(reverse("activities:attendance", args=[activity.pk])).content.decode()
    rows = html.split('id="attendance-form"')[1].split("</form>")[0]
    assert re.search(r"<fieldset[^>]*disabled", rows)


# --- Hours with their unit -----------------------------------------------------------------


@pytest.fixture
def served(coordinator, ecommerce):
    """A volunteer with 3 approved hours from an activity that ended two days ago."""
    user = UserFactory(username="served")
    member = MemberFactory(user=user, full_name="时长测试", national_id="11010519491231002X")
    start = timezone.now() - datetime.timedelta(days=2)
    ended = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    signup = SignUpFactory(activity=ended, member=member, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("3"))
    services.hours_approve(actor=coordinator, activity=ended, entry_ids=[entry.pk])
    return user


def test_the_certificate_check_page_gives_the_hours_unit(client, served):
    certificate = services.certificate_issue(actor=served, member=served.member)
    url = reverse("activities:certificate-verify", args=[certificate.code])
    html = client.get(url).content.decode()
    total = html.split("<dl")[1].split("</dl>")[0]
    assert re.search(r"<dd[^>]*>\s*3 小时\s*</dd>", total), total
    html = english(client).get(url).content.decode()
    assert re.search(r"<dd[^>]*>\s*3 h\s*</dd>", html.split("<dl")[1].split("</dl>")[0])


def test_the_service_record_gives_hours_with_their_unit_and_no_trailing_zeros(client, served):
    client.force_login(served)
    html = client.get(reverse("me")).content.decode()
    record = html.split('id="service-record-table"')[1].split("</table>")[0]
    assert "3 小时" in record
    assert "3.00" not in record


def test_the_hours_page_labels_the_suggested_hours(client, coordinator, ecommerce):
    activity = ActivityFactory()  # 3 hours long, not started: nothing recorded yet
    SignUpFactory(activity=activity, member__full_name="还没记录")
    english(client).force_login(coordinator)
    html = client.get(reverse("activities:hours", args=[activity.pk])).content.decode()
    table = html.split('id="hours-table"')[1].split("</table>")[0]
    assert "(3.00)" not in table
    assert re.search(r"Suggested: 3 h", table), table
    # The activity's length in the explanation above has no trailing zeros either.
    assert "activity's length (3 h)" in html.replace("&#x27;", "'")


# --- The category counts -------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_members_with_no_category_are_counted_as_not_given(
    client, coordinator, ecommerce, language
):
    MembershipFactory(group=ecommerce, member__personnel_category="")
    MembershipFactory(group=ecommerce, member__personnel_category="freelancer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(coordinator)
    for url in (reverse("groups:roster", args=["ecommerce"]), reverse("members:member-list")):
        html = client.get(url).content.decode()
        chip = re.search(r'data-category="">([^<]*)</span>', html)
        assert chip, url
        assert "—" not in chip.group(1)
        if language == "en":
            assert chip.group(1).strip() == "Not given: 1"


# --- Deactivating a member asks first ------------------------------------------------------


def test_deactivating_a_member_asks_for_confirmation(client, coordinator, ecommerce):
    member = MembershipFactory(group=ecommerce, member__full_name="要停用的人").member
    client.force_login(coordinator)
    html = client.get(reverse("members:member-detail", args=[member.pk])).content.decode()
    action = reverse("members:member-status", args=[member.pk])
    form = re.search(rf'<form[^>]*action="{action}"[^>]*>', html).group(0)
    assert re.search(r'data-confirm="[^"]+"', form)
    assert 'id="deactivate"' in html
