"""What the usability review asked of the pages, checked in their HTML: error summaries,
filter chips, the month calendar on phones, table headers, fill colours and the notice
on a full activity. (The browser tests check the same pages at 390 px and with axe-core.)

Pages are read in English so the assertions do not depend on the translation."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from members.models import Skill
from tests.factories import ActivityFactory, MemberFactory, MembershipFactory, SignUpFactory


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def query(href: str) -> dict:
    return parse_qs(urlsplit(href.replace("&amp;", "&")).query)


def chips(html: str) -> list[tuple[str, str]]:
    """(text, href) of each filter chip."""
    found = re.findall(
        r'<a class="filter-chip" href="([^"]*)" data-filter-chip>\s*<span>([^<]*)<', html
    )
    return [(text.strip(), href) for href, text in found]


# --- Error summary ----------------------------------------------------------------------


def summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-danger form-error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def test_a_failed_activity_form_lists_its_errors_at_the_top_linked_to_the_fields(
    en, coordinator, ecommerce
):
    en.force_login(coordinator)
    start = timezone.localtime() + datetime.timedelta(days=3)
    response = en.post(
        reverse("activities:activity-create", args=["ecommerce"]),
        {
            "title": "",
            "kind": "training",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "eligibility": "all",
        },
    )
    html = html_of(response)
    box = summary(html)
    assert 'href="#id_title"' in box and "Title: This field is required." in box
    assert 'href="#id_ends_at"' in box and "The activity must end after it starts." in box
    # The summary comes before the form, and in the form's order.
    assert html.index("form-error-summary") < html.index('id="activity-form"')
    assert box.index("#id_title") < box.index("#id_ends_at")
    # The page loads the script that focuses the first field with an error.
    assert "js/portal.js" in html


def test_the_signup_and_profile_forms_have_the_summary_too(en, volunteer):
    html = html_of(en.post(reverse("signup"), {"full_name": "", "phone": "12"}))
    box = summary(html)
    assert 'href="#id_full_name"' in box and 'href="#id_phone"' in box
    en.force_login(volunteer)
    html = html_of(en.post(reverse("members:me-edit"), {"full_name": ""}))
    assert 'href="#id_full_name"' in summary(html)


def test_a_form_without_errors_has_no_summary(en, coordinator, ecommerce):
    en.force_login(coordinator)
    html = html_of(en.get(reverse("activities:activity-create", args=["ecommerce"])))
    assert "form-error-summary" not in html


def test_checkbox_list_errors_link_to_the_first_box():
    from django import forms

    from volunteer_portal.templatetags.portal import form_field_errors

    class Pick(forms.Form):
        colours = forms.MultipleChoiceField(
            label="Colours", choices=[("r", "Red")], widget=forms.CheckboxSelectMultiple
        )
        token = forms.CharField(widget=forms.HiddenInput)

    errors = form_field_errors(Pick(data={}))
    assert [(e.label, e.anchor, e.name) for e in errors] == [
        ("Colours", "id_colours_0", "colours"),
        ("Token", "", "token"),  # hidden: listed, not linked
    ]
    assert form_field_errors(None) == [] and form_field_errors(Pick()) == []


# --- Filter chips -----------------------------------------------------------------------


def test_the_roster_shows_active_filters_as_chips_that_remove_themselves(
    en, coordinator, ecommerce
):
    skill = Skill.objects.order_by("pk").first()
    member = MemberFactory(district="longhai")
    member.skills.add(skill)
    MembershipFactory(group=ecommerce, member=member)
    en.force_login(coordinator)
    url = reverse("groups:roster", args=["ecommerce"])
    html = html_of(en.get(url, {"skill": skill.pk, "district": "longhai", "o": "name", "page": 1}))
    found = chips(html)
    assert [text for text, _href in found] == [f"Skill: {skill}", "District: Longhai District"]
    skill_href = dict(found)[f"Skill: {skill}"]
    assert query(skill_href) == {"district": ["longhai"], "o": ["name"]}  # the rest kept
    clear = re.search(r'href="([^"]*)" data-clear-filters', html).group(1)
    assert query(clear) == {"o": ["name"]}  # sorting is not a filter


def test_values_the_filter_refused_are_not_shown_as_filters(en, coordinator, ecommerce):
    en.force_login(coordinator)
    html = html_of(
        en.get(reverse("groups:roster", args=["ecommerce"]), {"district": "mars", "q": " "})
    )
    assert chips(html) == []
    assert "data-clear-filters" not in html


def test_the_talent_search_shows_chips_too(en, coordinator, ecommerce):
    en.force_login(coordinator)
    html = html_of(en.get(reverse("members:member-list"), {"q": "税法"}))
    assert [text for text, _href in chips(html)] == ["Search: 税法"]


def test_the_activity_list_folds_its_filters_behind_a_button_with_their_count(en, ecommerce):
    ActivityFactory(kind="training")
    url = reverse("activities:activity-list")
    html = html_of(en.get(url, {"kind": "training", "free": "on", "view": "calendar"}))
    assert [text for text, _href in chips(html)] == ["Kind: Training", "Has free places"]
    kind_href = chips(html)[0][1]
    assert query(kind_href) == {"free": ["on"], "view": ["calendar"]}
    assert re.search(r'id="toggle-filters"[^>]*>.*?Filters \(2\)', html, re.S)
    assert 'class="collapse d-md-block" id="activity-filters-panel"' in html
    assert "Filters (" not in html_of(en.get(url))


# --- The month calendar ------------------------------------------------------------------


def first_of_next_month(today: datetime.date, months: int = 1) -> datetime.date:
    day = today.replace(day=1)
    for _ in range(months):
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return day


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_an_empty_month_opens_on_the_month_of_the_next_activity(en, ecommerce):
    later = first_of_next_month(timezone.localdate(), 2) + datetime.timedelta(days=4)
    ActivityFactory(title="两个月后的活动", starts_at=aware(later))
    response = en.get(reverse("activities:activity-list"), {"view": "calendar"})
    html = html_of(response)
    assert response.context["month"] == later.replace(day=1)
    assert f'id="calendar-month">{later:%Y-%m}<' in html
    assert "两个月后的活动" in html


def test_a_month_with_an_activity_stays_on_the_current_month(en, ecommerce):
    today = timezone.localdate()
    later = first_of_next_month(today) + datetime.timedelta(days=1)
    ActivityFactory(starts_at=aware(later))
    ActivityFactory(starts_at=aware(today.replace(day=1), hour=0) + datetime.timedelta(hours=1))
    response = en.get(reverse("activities:activity-list"), {"view": "calendar"})
    assert response.context["month"] == today.replace(day=1)


def test_a_chosen_empty_month_links_to_the_next_activity(en, ecommerce):
    today = timezone.localdate()
    later = first_of_next_month(today, 3) + datetime.timedelta(days=9)
    ActivityFactory(starts_at=aware(later))
    chosen = first_of_next_month(today)
    html = html_of(
        en.get(
            reverse("activities:activity-list"), {"view": "calendar", "month": f"{chosen:%Y-%m}"}
        )
    )
    assert 'id="calendar-empty"' in html
    link = re.search(r'<a href="([^"]*)" id="next-activity">([^<]*)', html)
    assert query(link.group(1))["month"] == [f"{later:%Y-%m}"]
    assert f"Next activity: {later:%Y-%m-%d}" in link.group(2)


def test_phones_get_an_agenda_of_the_days_with_activities_and_full_titles(en, ecommerce):
    day = first_of_next_month(timezone.localdate()) + datetime.timedelta(days=2)
    title = "一个很长很长的活动标题：乡村电商直播带货实操培训班第三期"
    ActivityFactory(title=title, starts_at=aware(day, 14), location="芗城区")
    html = html_of(
        en.get(reverse("activities:activity-list"), {"view": "calendar", "month": f"{day:%Y-%m}"})
    )
    agenda = html[html.index('id="month-agenda"') :]
    assert 'class="d-md-none" id="month-agenda"' in html
    assert f'id="agenda-{day:%Y-%m-%d}"' in agenda
    assert agenda.count('class="card agenda-day') == 1  # only days with activities
    assert title in agenda and "14:00" in agenda and "芗城区" in agenda
    # The table stays for md and up, without truncating titles.
    assert (
        '<div class="d-none d-md-block"><table class="table table-bordered month-calendar' in html
    )
    assert (
        "text-truncate" not in html[html.index('id="month-calendar"') : html.index("month-agenda")]
    )


# --- Tables, bars and notices ------------------------------------------------------------


def test_the_participants_tables_have_headers(en, coordinator, ecommerce):
    activity = ActivityFactory(capacity=1)
    SignUpFactory(activity=activity)
    SignUpFactory(activity=activity, status="waiting")
    en.force_login(coordinator)
    html = html_of(en.get(reverse("activities:participants", args=[activity.pk])))
    tables = re.findall(r'<table class="[^"]*participants">.*?</table>', html, re.S)
    assert len(tables) == 2
    for table in tables:
        assert '<th scope="col">Name</th>' in table and '<th scope="col">Mobile phone</th>' in table
    assert '<th scope="col">No.</th>' in tables[1]  # the waiting list is numbered
    assert "onsubmit" not in html and 'data-confirm="Remove this person?"' in html


@pytest.mark.parametrize(
    ("taken", "colour", "width"),
    [(0, "bg-success", "fill-0"), (3, "bg-success", "fill-60"), (4, "bg-warning", "fill-80"),
     (5, "bg-danger", "fill-100")],
)  # fmt: skip
def test_the_dashboard_colours_fill_bars_by_how_full(
    en, coordinator, ecommerce, taken, colour, width
):
    activity = ActivityFactory(capacity=5)
    for _ in range(taken):
        SignUpFactory(activity=activity)
    en.force_login(coordinator)
    html = html_of(en.get(reverse("activities:dashboard", args=["ecommerce"])))
    bar = re.search(
        r'<div class="progress[^"]*" role="progressbar"([^>]*)><div class="([^"]*)"', html
    )
    assert f'aria-label="{taken} of 5 places taken"' in bar.group(1)
    assert f'aria-valuenow="{taken * 20}"' in bar.group(1)
    assert bar.group(2).split() == ["progress-bar", width, colour]
    assert (
        "style=" not in html[html.index('id="dashboard-activities"') : html.index("hours-waiting")]
    )


def test_fill_step_rounds_to_five_within_bounds():
    from volunteer_portal.templatetags.portal import fill_step

    assert [fill_step(v) for v in (0, 2, 3, 62, 99, 130, -4, None, "x")] == [
        0, 0, 5, 60, 100, 100, 0, 0, 0,
    ]  # fmt: skip


def test_a_full_activity_tells_a_visitor_they_would_join_the_waiting_list(en, ecommerce):
    full = ActivityFactory(capacity=1)
    SignUpFactory(activity=full)
    html = html_of(en.get(reverse("activities:activity-detail", args=[full.pk])))
    assert 'id="full-notice"' in html and "waiting list" in html
    assert "Log in to join the waiting list" in html
    roomy = ActivityFactory(capacity=5)
    html = html_of(en.get(reverse("activities:activity-detail", args=[roomy.pk])))
    assert 'id="full-notice"' not in html and "Log in to sign up" in html


def test_the_attendance_select_has_a_visible_label_at_every_size(en, coordinator, ecommerce):
    activity = ActivityFactory()
    signup = SignUpFactory(activity=activity)
    en.force_login(coordinator)
    html = html_of(en.get(reverse("activities:attendance", args=[activity.pk])))
    label = re.search(r'<label class="([^"]*)" for="id_form-0-attended">', html)
    assert label and "d-md-none" not in label.group(1)
    assert signup.member.full_name in html


def test_chip_template_renders_nothing_without_filters():
    html = Template('{% include "_filter_chips.html" %}').render(Context({"active": []}))
    assert html.strip() == ""


def test_the_calendar_of_a_past_month_shows_what_was_held(client, coordinator, ecommerce):
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from activities.models import Activity
    from tests.factories import ActivityFactory

    start = timezone.now() - datetime.timedelta(days=40)
    held = ActivityFactory(
        title="上月举办的活动", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    Activity.objects.filter(pk=held.pk).update(status=Activity.Status.COMPLETED)
    ActivityFactory(
        title="上月取消的活动",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        status=Activity.Status.CANCELLED,
    )
    month = timezone.localtime(start).strftime("%Y-%m")
    html = client.get(reverse("activities:activity-list") + f"?view=calendar&month={month}")
    html = html.content.decode()
    assert "上月举办的活动" in html and "上月取消的活动" not in html


def test_the_list_offers_only_what_one_can_still_join(client, ecommerce):
    import datetime

    from django.urls import reverse
    from django.utils import timezone

    from activities.models import Activity
    from tests.factories import ActivityFactory

    start = timezone.now() - datetime.timedelta(hours=1)
    done_early = ActivityFactory(
        title="提前完成的活动", starts_at=start, ends_at=start + datetime.timedelta(hours=5)
    )
    Activity.objects.filter(pk=done_early.pk).update(status=Activity.Status.COMPLETED)
    html = client.get(reverse("activities:activity-list")).content.decode()
    assert "提前完成的活动" not in html
