"""Issue 12, logged-in pages: what is kept between requests (whole-list aggregates, the
organisation, sessions) is never stale after a change, and the rows drawn by Jinja2
(volunteer_portal.jinja) read as the Django templates did."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import translation

from groups.models import Membership, Organisation
from members.models import Member, PersonnelCategory, Skill
from tests.factories import MemberFactory, MembershipFactory
from volunteer_portal import jinja


@pytest.fixture(autouse=True)
def kept_results_on(settings):
    settings.QUERY_CACHE_SECONDS = 300


def roster_badge(client, slug, code, query=""):
    html = client.get(reverse("groups:roster", args=[slug]) + query).content.decode()
    marker = f'data-category="{code}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("</span>", start)]


@pytest.mark.django_db
def test_the_category_counts_are_kept_and_follow_every_change(client, coordinator, ecommerce):
    for _ in range(3):
        MembershipFactory(group=ecommerce, member__personnel_category=PersonnelCategory.FREELANCER)
    client.force_login(coordinator)
    assert roster_badge(client, "ecommerce", "freelancer").endswith(": 3")

    url = reverse("groups:roster", args=["ecommerce"])
    with CaptureQueriesContext(connection) as kept:
        client.get(url)
    counted = [q for q in kept.captured_queries if "COUNT(" in q["sql"]]
    assert not any("personnel_category" in q["sql"] for q in counted), "counted again"

    # A member's category, a membership's status, a skill: each shows at once.
    member = Member.objects.filter(personnel_category=PersonnelCategory.FREELANCER).first()
    member.personnel_category = PersonnelCategory.NEW_MEDIA
    member.save()
    assert roster_badge(client, "ecommerce", "freelancer").endswith(": 2")
    ended = Membership.objects.filter(
        group=ecommerce, member__personnel_category=PersonnelCategory.FREELANCER
    ).first()
    ended.status = Membership.Status.LEFT
    ended.save()
    assert roster_badge(client, "ecommerce", "freelancer").endswith(": 1")

    skill = Skill.objects.create(name="无人机航拍")
    by_skill = f"?skill={skill.pk}"
    assert roster_badge(client, "ecommerce", "new_media", by_skill).endswith(": 0")
    member.skills.add(skill)
    assert roster_badge(client, "ecommerce", "new_media", by_skill).endswith(": 1")


@pytest.mark.django_db
def test_the_member_counts_of_the_groups_follow_a_new_member(client, ecommerce):
    def shown():
        html = client.get(reverse("groups:group-detail", args=["ecommerce"])).content.decode()
        start = html.index('id="member-count">') + len('id="member-count">')
        return int(html[start : html.index("<", start)])

    before = shown()
    MembershipFactory(group=ecommerce)
    assert shown() == before + 1
    MembershipFactory(group=ecommerce, status=Membership.Status.APPLIED)
    assert shown() == before + 1  # applicants are not members yet


@pytest.mark.django_db
def test_the_organisation_is_read_once_and_renamed_at_once(client):
    organisation = Organisation.objects.get(pk=1)
    client.get(reverse("groups:group-list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("groups:group-list"))
    assert not any("groups_organisation" in q["sql"] for q in queries.captured_queries)

    organisation.name_zh = "漳州市新的社会阶层人士志愿服务总队"
    organisation.save()
    assert organisation.name_zh in client.get(reverse("groups:group-list")).content.decode()


@pytest.mark.parametrize(
    ("cache_url", "engine", "kept"),
    [
        (None, "db", 0),  # a cache per process: each would keep a copy of its own
        ("redis://127.0.0.1:6379/0", "cached_db", 300),
        ("dbcache://portal_cache", "cached_db", 300),
    ],
)
def test_sessions_and_results_are_kept_in_the_cache_only_when_it_is_shared(cache_url, engine, kept):
    from tests.conftest import settings_read_afresh

    found = settings_read_afresh(
        "[s.SESSION_ENGINE, s.QUERY_CACHE_SECONDS]",
        without={"CACHE_URL", "REDIS_URL"},
        **({"CACHE_URL": cache_url} if cache_url else {}),
    )
    assert found == [f"django.contrib.sessions.backends.{engine}", kept]


@pytest.mark.django_db
def test_a_logged_in_page_reads_its_session_from_the_cache_and_logging_out_ends_it(
    client, volunteer, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # a shared cache
    client.force_login(volunteer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("me")).status_code == 200
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)

    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, kept by a thief
    assert client.get(reverse("me")).status_code == 302


@pytest.mark.django_db
def test_the_coordinators_navigation_names_their_groups_from_one_query(client, coordinator):
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("groups:group-list")).content.decode()
    assert reverse("groups:roster", args=["ecommerce"]) in html
    leader_queries = [q for q in queries.captured_queries if "groups_leaderassignment" in q["sql"]]
    assert len(leader_queries) == 2  # the navigation's, and the heads shown on the cards
    groups = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "groups_servi')]
    assert len(groups) == 1  # the list's own


# --- The rows drawn by Jinja2 -----------------------------------------------------------------


def test_pk_url_is_the_reversed_address_under_any_script_prefix():
    assert jinja.pk_url("members:member-detail", 42) == reverse("members:member-detail", args=[42])
    try:
        set_script_prefix("/portal/")
        assert jinja.pk_url("activities:activity-detail", "7") == "/portal/activities/7/"
        assert reverse("activities:activity-detail", args=[7]) == "/portal/activities/7/"
    finally:
        set_script_prefix("/")
    with pytest.raises(ValueError):
        jinja.pk_url("activities:activity-detail", "7/../../admin")


def test_the_partials_escape_what_they_show_and_translate_their_words():
    template = jinja.environment().from_string('{{ name }} {{ _("Roster") }} {{ places_left(2) }}')
    with translation.override("zh-hans"):
        assert template.render(name="<b>&") == "&lt;b&gt;&amp; 成员名单 剩余 2 个名额"
    with translation.override("en"):
        assert template.render(name="x") == "x Roster 2 places left"


@pytest.mark.django_db
def test_the_roster_rows_show_skills_in_the_pages_language(client, coordinator, ecommerce):
    skill = Skill.objects.create(name="税务咨询", name_en="Tax advice")
    member = MemberFactory(full_name="王芳")
    member.skills.add(skill)
    MembershipFactory(group=ecommerce, member=member)
    client.force_login(coordinator)
    url = reverse("groups:roster", args=["ecommerce"])
    assert ">税务咨询</span>" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    coordinator.language = "en"
    coordinator.save()
    assert ">Tax advice</span>" in client.get(url).content.decode()


def test_the_partials_show_dates_in_local_time_as_django_templates_do():
    import datetime

    late_utc = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
    template = jinja.environment().from_string('{{ when|date("Y-m-d") }} {{ when|time("H:i") }}')
    assert template.render(when=late_utc) == "2026-03-02 04:30"  # Zhangzhou, UTC+8
    assert template.render(when=datetime.date(2026, 3, 1)) == "2026-03-01 "


@pytest.mark.django_db
def test_the_groups_led_and_the_groups_joined_come_from_one_query(coordinator, culture, ecommerce):
    from django.contrib.auth import get_user_model

    from groups.models import LeaderAssignment
    from tests.factories import LeaderAssignmentFactory
    from volunteer_portal.permissions import managed_groups, member_group_ids

    member = coordinator.member
    MembershipFactory(member=member, group=culture)
    MembershipFactory(member=member, group=ecommerce, status=Membership.Status.APPLIED)
    LeaderAssignmentFactory(group=ecommerce, member=member, role=LeaderAssignment.Role.DEPUTY)
    user = get_user_model().objects.get(pk=coordinator.pk)  # nothing kept on it yet
    with CaptureQueriesContext(connection) as queries:
        assert [(g.pk, g.slug, g.name) for g in managed_groups(user)] == [
            (ecommerce.pk, "ecommerce", ecommerce.name)  # once, though two terms
        ]
        assert member_group_ids(user) == {culture.pk}  # not where only applied
    assert len(queries) == 1

    member.status = Member.Status.INACTIVE
    member.save()
    user = get_user_model().objects.get(pk=coordinator.pk)
    assert member_group_ids(user) == frozenset()


@pytest.mark.django_db
def test_the_deletion_form_carries_the_visitors_own_csrf_token(volunteer):
    """A form fragment kept for everyone once carried the first visitor's token: every other
    volunteer's request was refused (403), and the token was not theirs to see."""
    import re

    from django.test import Client

    from tests.factories import UserFactory

    other = UserFactory(username="other")
    MemberFactory(user=other)
    form = re.compile(r'action="/members/me/delete/".*?</form>', re.DOTALL)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    for user in (volunteer, other):  # the first one's page is drawn before the second's
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        page = client.get(reverse("me")).content.decode()
        drawn = form.search(page).group(0)
        tokens = token.findall(drawn)
        assert len(tokens) == 1 and "<form" not in drawn  # no form inside the form
        # A browser sends every token field of the form; Django reads the last.
        answer = client.post(
            reverse("members:me-delete"), {"csrfmiddlewaretoken": tokens, "reason": "搬家"}
        )
        assert answer.status_code == 302, user


def test_url_is_reversed_once_but_follows_the_script_prefix_and_arguments():
    assert jinja.url("home") == reverse("home")
    assert jinja.url("groups:roster", "ecommerce") == reverse("groups:roster", args=["ecommerce"])
    assert jinja.url("groups:roster", "culture") == reverse("groups:roster", args=["culture"])
    try:
        set_script_prefix("/portal/")
        assert jinja.url("home") == "/portal/"
    finally:
        set_script_prefix("/")
    assert jinja.url("home") == "/"


@pytest.mark.django_db
def test_a_pages_own_variable_never_hides_a_function_of_the_partials(client, rf):
    from django.template import Context, Template

    page = Template('{% load portal %}{% jinja "_navigation.html" %}')
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = page.render(Context({"url": "https://example.org/x", "request": request}))
    assert 'href="/activities/"' in html and "example.org" not in html


def test_text_with_lines_is_escaped_then_broken_as_in_django_templates():
    template = jinja.environment().from_string('{{ (bio or "—")|linebreaksbr }}')
    assert template.render(bio="<b>一</b>\n二") == "&lt;b&gt;一&lt;/b&gt;<br>二"
    assert template.render(bio="") == "—"


@pytest.mark.django_db
def test_the_groups_a_user_leads_are_kept_and_a_term_ended_takes_the_powers_at_once(
    client, coordinator, ecommerce
):
    """The navigation's query is kept between requests, and the permissions read it: a
    coordinator whose term ends (or who leaves) loses the roster on the very next page."""
    from groups.models import LeaderAssignment

    client.force_login(coordinator)
    roster = reverse("groups:roster", args=["ecommerce"])
    assert client.get(roster).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(roster).status_code == 200
    assert not any("UNION" in q["sql"] for q in queries.captured_queries), "asked again"

    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    term = LeaderAssignment.objects.get(member__user=coordinator, group=ecommerce)
    term.start_date, term.end_date = (
        today - datetime.timedelta(days=30),
        today - datetime.timedelta(days=1),
    )
    term.save()
    assert client.get(roster).status_code == 403
    assert (
        reverse("groups:roster", args=["ecommerce"])
        not in client.get(reverse("me")).content.decode()
    )

    term.end_date = None
    term.save()
    assert client.get(roster).status_code == 200
