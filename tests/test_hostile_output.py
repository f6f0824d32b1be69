"""What is stored renders escaped everywhere it shows (issue 9, finding 15).

Names, titles and texts that the forms accept as ordinary text (markup, template syntax,
spreadsheet formulae, a description with iCalendar lines in it) are stored, then every
place that shows them is read back: pages for each role, Django admin, the roster's CSV
and XLSX, the calendar feeds and the emails.
"""

import csv
import datetime
import io
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from activities.models import Brand, CalendarFeed, HoursCorrectionRequest
from groups.models import Membership
from members.models import Member, Skill
from members.resources import MemberResource
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    MembershipFactory,
    SignUpFactory,
    UserFactory,
)
from tests.hostile import FORMULA, MARKUP, TEMPLATE

NAME = TEMPLATE + MARKUP  # 75 characters: a name, a title, a reason
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A title with a line break (older data, or admin before the rule): no header of its own
# in an email, no property of its own in a calendar.
TITLE = f"{NAME}\r\nX-Injected: 1"
# A description that would end the event and start another if written out raw.
ICAL_INJECTION = "说明\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected\r\nX-INJECTED:1"


@pytest.fixture
def stored(db, ecommerce, coordinator):
    """Hostile text in every kind of record, as the forms (or, for the control character,
    data older than the rule or typed into admin) could have stored it."""
    ecommerce.mission_zh = NAME
    ecommerce.save()
    skill = Skill.objects.create(name='=HYPERLINK("http://x","技能")')
    user = UserFactory(username="hostile", first_name=NAME[:150])
    person = MemberFactory(
        user=user,
        full_name=NAME,
        employer=FORMULA,
        job_title="+cmd",
        qualifications="@SUM(1)",
        bio=f"{NAME}\r\n-2+3",
        email="hostile@example.com",
    )
    person.skills.add(skill)
    MembershipFactory(group=ecommerce, member=person, motivation=NAME)
    # Older data, or admin: a control character that spreadsheets refuse.
    MembershipFactory(group=ecommerce, member=MemberFactory(employer="旧\x1b[31m数据\x7f"))
    applicant = MemberFactory(full_name=NAME)
    MembershipFactory(
        group=ecommerce, member=applicant, motivation=NAME, status=Membership.Status.APPLIED
    )
    brand = Brand.objects.create(group=ecommerce, name=NAME)
    starts = timezone.now() + datetime.timedelta(days=2)
    activity = ActivityFactory(
        group=ecommerce,
        title=TITLE,
        location="-2+3",
        description=ICAL_INJECTION,
        brand=brand,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    signup = SignUpFactory(activity=activity, member=person)
    HoursCorrectionRequest.objects.create(signup=signup, requested_hours=2, reason=NAME)
    return {"person": person, "applicant": applicant, "activity": activity, "brand": brand}


def assert_escaped(body: str, where: str, shows: bool = True) -> None:
    for raw in ("<script>alert(1)", "<img src=x"):
        assert raw not in body, f"{where}: {raw!r} unescaped"
    if shows:
        # Widgets are drawn by Jinja2 (volunteer_portal.renderers), whose escaping writes
        # the quote as &#34;: the same text, escaped.
        assert ESCAPED in body or ESCAPED.replace("&quot;", "&#34;") in body, (
            f"{where}: the stored text is not shown (escaped) at all"
        )
        assert TEMPLATE in body, f"{where}: template syntax not shown as typed"


def read(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_pages_show_stored_text_escaped(client, stored, coordinator, ecommerce):
    activity, person = stored["activity"], stored["person"]
    month = timezone.localtime(activity.starts_at).strftime("%Y-%m")
    public = {
        "activity": reverse("activities:activity-detail", args=[activity.pk]),
        "listing": reverse("activities:activity-list"),
        "calendar": f"{reverse('activities:activity-list')}?view=calendar&month={month}",
        "group": reverse("groups:group-detail", args=[ecommerce.slug]),
        "brand": reverse("activities:brand-detail", args=[stored["brand"].pk]),
    }
    for where, url in public.items():
        assert_escaped(read(client, url), f"anonymous {where}")
    assert_escaped(read(client, "/"), "home", shows=False)
    assert_escaped(read(client, reverse("groups:group-list")), "group list", shows=False)

    client.force_login(coordinator)
    managed = {
        "member": reverse("members:member-detail", args=[person.pk]),
        "member edit": reverse("members:member-edit", args=[person.pk]),
        "roster": reverse("groups:roster", args=[ecommerce.slug]),
        "search": f"{reverse('members:member-list')}?q={quote('{{')}",
        "applications": reverse("groups:applications", args=[ecommerce.slug]),
        "dashboard": reverse("activities:dashboard", args=[ecommerce.slug]),
        "participants": reverse("activities:participants", args=[activity.pk]),
        "attendance": reverse("activities:attendance", args=[activity.pk]),
        "hours": reverse("activities:hours", args=[activity.pk]),
        "activity edit": reverse("activities:activity-edit", args=[activity.pk]),
        "group edit": reverse("groups:group-edit", args=[ecommerce.slug]),
    }
    for where, url in managed.items():
        assert_escaped(read(client, url), f"coordinator {where}")

    client.force_login(person.user)
    for where, url in {"me": reverse("me"), "me edit": reverse("members:me-edit")}.items():
        assert_escaped(read(client, url), f"volunteer {where}")


def test_admin_shows_stored_text_escaped(client, stored, admin_user):
    activity, person = stored["activity"], stored["person"]
    client.force_login(admin_user)
    pages = {
        "members": f"{reverse('admin:members_member_changelist')}?q={quote('{{')}",
        "member": reverse("admin:members_member_change", args=[person.pk]),
        "member history": reverse("admin:members_member_history", args=[person.pk]),
        "activities": reverse("admin:activities_activity_changelist"),
        "activity": reverse("admin:activities_activity_change", args=[activity.pk]),
        "memberships": reverse("admin:groups_membership_changelist"),
        "brands": reverse("admin:activities_brand_changelist"),
        "users": reverse("admin:members_user_changelist"),
        "corrections": reverse("admin:activities_hourscorrectionrequest_changelist"),
    }
    for where, url in pages.items():
        assert_escaped(read(client, url), f"admin {where}")


def assert_no_live_formula(cells, where):
    for value in cells:
        if isinstance(value, str):
            assert not value.startswith(FORMULA_STARTS), f"{where}: live formula {value!r}"


def test_roster_exports_neutralise_formulae(client, stored, coordinator, ecommerce):
    client.force_login(coordinator)
    url = reverse("groups:roster-export", args=[ecommerce.slug, "csv"])
    response = client.get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    assert_no_live_formula(cells, "csv")
    assert "'" + FORMULA in cells and NAME in cells  # kept, neutralised, not mangled

    url = reverse("groups:roster-export", args=[ecommerce.slug, "xlsx"])
    response = client.get(url)
    assert response.status_code == 200  # a control character in a cell: no 500
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert_no_live_formula([c.value for c in cells], "xlsx")
    values = [c.value for c in cells]
    assert "'" + FORMULA in values and NAME in values


def test_admin_export_writes_a_worksheet_despite_control_characters(stored):
    """Django admin's export goes through the same resource, to tablib's XLSX."""
    dataset = MemberResource().export(Member.objects.all())
    sheet = load_workbook(io.BytesIO(dataset.export("xlsx"))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert_no_live_formula([c.value for c in cells], "admin xlsx")
    assert "旧\ufffd[31m数据\x7f" in [c.value for c in cells]


def test_calendar_feeds_carry_no_injected_lines(client, stored, ecommerce):
    activity, person = stored["activity"], stored["person"]
    feed = CalendarFeed.objects.create(member=person)
    for url in (
        reverse("activities:feed-group", args=[ecommerce.slug]),
        reverse("activities:feed-personal", args=[feed.token]),
    ):
        body = client.get(url).content.decode()
        lines = body.replace("\r\n ", "").split("\r\n")  # unfolded
        injected = ("X-INJECTED", "X-Injected", "SUMMARY:inj")
        assert not [line for line in lines if line.startswith(injected)]
        events = Calendar.from_ical(body).walk("VEVENT")
        assert len(events) == 1, url
        assert str(events[0]["SUMMARY"]) == activity.title.replace("\r\n", "\n")
        # Line breaks travel escaped inside the value (as \n): the text is intact.
        description = activity.description.replace("\r\n", "\n")
        assert str(events[0]["DESCRIPTION"]) == description


def test_emails_are_plain_text_with_one_line_subjects(
    client, stored, coordinator, ecommerce, django_capture_on_commit_callbacks
):
    """Emails are text/plain (markup in them is inert text, so it is left as typed, not
    turned into entities), subjects one line, template syntax never evaluated."""
    activity, applicant = stored["activity"], stored["applicant"]
    applicant.email = "applicant@example.com"
    applicant.save()
    client.force_login(coordinator)
    membership = Membership.objects.get(member=applicant)
    reject = reverse("groups:application-decide", args=[ecommerce.slug, membership.pk, "reject"])
    with django_capture_on_commit_callbacks(execute=True):  # the outbox sends on commit
        client.post(reject, {"reason": NAME})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("activities:activity-cancel", args=[activity.pk]), {"reason": NAME})
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) >= {"applicant@example.com", "hostile@example.com"}
    for message in sent.values():
        assert "\n" not in message.subject and "\r" not in message.subject
        assert message.content_subtype == "plain"
        assert not getattr(message, "alternatives", None)
        assert NAME in message.body  # as typed: no entities, no evaluated {{ 7*7 }}
        assert "&lt;" not in message.body + message.subject
        assert "X-Injected" not in message.message()  # no header of its own
