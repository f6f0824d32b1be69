"""The list pages' filter forms are rendered once and kept (``as_cached_crispy_field``):
never a stale choice, the same page as a fresh rendering, no extra query, and no key that
a visitor's free text could make. Also ``choice_label``, the quick ``get_FOO_display``."""

import re
from unittest import mock

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from members.models import District, Member, Skill
from tests.factories import MemberFactory, MembershipFactory, ServiceGroupFactory
from volunteer_portal.templatetags.portal import choice_label

ROSTER = reverse("groups:roster", args=["ecommerce"])


@pytest.fixture(autouse=True)
def _no_fragments_kept():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def filter_form(response) -> str:
    html = response.content.decode()
    return re.search(r'<form method="get"[^>]*id="member-filters".*?</form>', html, re.S)[0]


def options(response, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', filter_form(response), re.S)[0]
    return re.findall(r"<option[^>]*>(.*?)</option>", select)


def test_a_skill_added_or_renamed_after_the_roster_was_shown_is_offered_at_once(
    coordinator_client, ecommerce
):
    assert "直播选品" not in options(coordinator_client.get(ROSTER), "skill")
    Skill.objects.create(name="直播选品")
    Skill.objects.filter(name="税法").update(name="税法咨询")
    offered = options(coordinator_client.get(ROSTER), "skill")
    assert "直播选品" in offered
    assert "税法咨询" in offered and "税法" not in offered


def test_a_kept_filter_form_is_the_fresh_one_with_the_same_queries(coordinator_client, ecommerce):
    skill = Skill.objects.get(name="税法")
    query = f"?skill={skill.pk}&district=longhai"
    with CaptureQueriesContext(connection) as first:
        fresh = coordinator_client.get(ROSTER + query)
    with CaptureQueriesContext(connection) as second:
        kept = coordinator_client.get(ROSTER + query)
    assert filter_form(kept) == filter_form(fresh)
    assert len(second) == len(first)
    # The list of skills is read once, as rendering always did, with no COUNT before it.
    skill_reads = [
        q["sql"]
        for q in first.captured_queries
        if 'FROM "members_skill"' in q["sql"] and "members_member_skills" not in q["sql"]
    ]
    assert sum("ORDER BY" in sql for sql in skill_reads) == 1
    assert not any("COUNT(" in sql for sql in skill_reads)
    assert f'<option value="{skill.pk}" selected>' in filter_form(kept)
    # Another value of the same field: its own rendering, with its own choice selected.
    other = coordinator_client.get(ROSTER + "?district=xiangcheng")
    assert '<option value="xiangcheng" selected>' in filter_form(other)
    assert '<option value="longhai" selected>' not in filter_form(other)


def test_a_refused_value_shows_its_error_every_time(coordinator_client, ecommerce):
    for _ in range(2):
        form = filter_form(coordinator_client.get(ROSTER + "?district=mars"))
        assert 'id="id_district_error"' in form and "is-invalid" in form


def test_free_text_and_refused_values_make_no_keys(coordinator_client, ecommerce):
    """Only the values a field offers make keys: searches and made-up values are rendered
    each time, so visitors cannot fill the cache."""
    for query in ("?q=", "?status="):  # each field empty, and left out: kept
        coordinator_client.get(ROSTER + query)
    fragments = caches["fragments"]
    with mock.patch.object(fragments, "set", wraps=fragments.set) as kept:
        for query in ("?q=张三", "?q=李四", "?district=mars", "?skill=999999", "?o=bogus"):
            assert coordinator_client.get(ROSTER + query).status_code == 200
    assert kept.call_count == 0


def test_the_activity_filter_drops_a_group_closed_after_it_was_shown(client, volunteer):
    group = ServiceGroupFactory(name_zh="临时服务队", slug="temporary")
    client.force_login(volunteer)
    url = reverse("activities:activity-list")
    assert "临时服务队" in client.get(url).content.decode()
    group.is_active = False
    group.save()
    assert "临时服务队" not in client.get(url).content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_label_reads_as_get_display(db, language):
    member = MemberFactory(district=District.LONGHAI, personnel_category="freelancer")
    blank = Member(district="", personnel_category="")
    with translation.override(language):
        assert choice_label(member, "district") == member.get_district_display()
        assert choice_label(member, "personnel_category") == (
            member.get_personnel_category_display()
        )
        assert choice_label(blank, "district") == blank.get_district_display() == ""


def test_the_roster_shows_each_members_labels_and_skills(coordinator_client, ecommerce):
    member = MemberFactory(
        full_name="郑丽", district=District.LONGHAI, personnel_category="freelancer"
    )
    member.skills.add(Skill.objects.get(name="税法"))
    MembershipFactory(member=member, group=ecommerce)
    html = coordinator_client.get(ROSTER).content.decode()
    row = re.search(rf'<tr data-member="{member.pk}">.*?</tr>', html, re.S)[0]
    assert member.get_district_display() in row
    assert member.get_personnel_category_display() in row
    assert ">税法</span>" in row
