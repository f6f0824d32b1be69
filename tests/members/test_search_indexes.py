"""Issue 13: the talent search and the member lists at a million members read indexes
(members/migrations/0006_search_indexes.py), and the search finds what it did.

The index tests run on PostgreSQL only: with sequential scans and sorts discouraged (the
test's tables are small), the plan of the portal's own queries must name each index, which
shows that the SQL Django writes is the expression indexed (a cast or a collation apart,
PostgreSQL would never use it)."""

import pytest
from django.db import connection
from django.urls import reverse

from groups.selectors import roster_queryset
from members.models import Member, Skill
from members.selectors import member_search
from tests.factories import MemberFactory, MembershipFactory


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_the_databases_locale_lets_pg_trgm_index_chinese(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm('漳州电子商务'), show_trgm('王小明')")
        business, name = cursor.fetchone()
    assert len(business) >= 4 and len(name) >= 3  # no trigram: Chinese seen as punctuation


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("words", "index"),
    [
        ("新媒体", "member_employer_trgm_idx"),
        ("王小明", "member_name_trgm_idx"),
        ("主播助理", "member_job_title_trgm_idx"),
    ],
)
def test_a_search_of_three_characters_reads_the_trigram_indexes(words, index, db):
    _filters, found = member_search(Member.objects.all(), {"q": words})
    assert index in plan(found.order_by())


@pytest.mark.postgres
def test_a_phones_digits_are_looked_up_in_the_phone_trigram_index(db):
    """As the search looks them up first (``MemberFilter.with_phone_digits``)."""
    looked_up = Member.objects.filter(phone__contains="1380").order_by().values("pk")
    assert "member_phone_trgm_idx" in plan(looked_up)


@pytest.mark.postgres
def test_a_list_in_name_order_reads_the_pinyin_index(ecommerce):
    _filters, page = member_search(roster_queryset(ecommerce), {})
    assert "member_name_pinyin_idx" in plan(page.values("pk")[:50])


@pytest.fixture
def people(ecommerce):
    found = {
        "phone": MemberFactory(full_name="甲", phone="13912345678"),
        "number_in_title": MemberFactory(full_name="乙", job_title="1391号窗口"),
        "employer": MemberFactory(full_name="丙", employer="漳州新媒体工作室"),
        "skill": MemberFactory(full_name="丁"),
    }
    found["skill"].skills.add(Skill.objects.get(name="税法"))
    for member in found.values():
        MembershipFactory(member=member, group=ecommerce)
    return found


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("1391", {"phone"}),  # digits: a phone's, not a job title's
        ("139 1234", {"phone"}),
        ("新媒体", {"employer"}),
        ("税法", {"skill"}),
        ("Tax", {"skill"}),  # a skill's English name
        ("no-such-thing", set()),
    ],
)
def test_the_search_finds_phones_by_digits_and_the_rest_by_words(
    words, expected, people, client, coordinator
):
    client.force_login(coordinator)
    page = client.get(reverse("groups:roster", args=["ecommerce"]), {"q": words})
    shown = {member.pk for member in page.context["members"]}
    assert shown == {people[key].pk for key in expected}


@pytest.mark.parametrize("found_first", [5000, 0])
def test_phone_digits_find_only_the_readers_members_whichever_way_they_are_looked_up(
    found_first, people, culture, client, coordinator, monkeypatch
):
    """The phones holding the digits are looked up among all members first (when there
    are not too many), then the list is narrowed to them: another group's member with
    the same digits stays out of the roster."""
    from members.filters import MemberFilter

    monkeypatch.setattr(MemberFilter, "PHONE_MATCHES", found_first)
    stranger = MemberFactory(full_name="别组", phone="13912340000")
    MembershipFactory(member=stranger, group=culture)
    client.force_login(coordinator)
    page = client.get(reverse("groups:roster", args=["ecommerce"]), {"q": "391234"})
    assert {m.pk for m in page.context["members"]} == {people["phone"].pk}
