"""Names sort by pinyin (丁 杜 傅 韩 何 黄), not by code point (丁 何 傅 孙), on both databases."""

import random

import pytest
from django.db import connection
from django.urls import reverse

from groups.models import Membership
from members.models import Member
from members.selectors import by_name, pinyin_sort_key
from tests.factories import ActivityFactory, MemberFactory, MembershipFactory, SignUpFactory

PINYIN_ORDER = ["丁一", "杜二", "傅三", "韩四", "何五", "黄六", "孙七"]


@pytest.fixture
def named_members(ecommerce):
    shuffled = PINYIN_ORDER[:]
    random.Random(8).shuffle(shuffled)
    for name in shuffled:
        MembershipFactory(group=ecommerce, status="active", member__full_name=name)


def listed_names(response):
    return [m.full_name for m in response.context["members"] if m.full_name in PINYIN_ORDER]


@pytest.mark.parametrize("query", ["", "?o=name", "?o=employer"])
def test_the_roster_sorts_names_by_pinyin(client, coordinator, named_members, query):
    client.force_login(coordinator)
    response = client.get(reverse("groups:roster", args=["ecommerce"]) + query)
    assert listed_names(response) == PINYIN_ORDER


def test_the_roster_sorts_names_by_pinyin_in_reverse(client, coordinator, named_members):
    client.force_login(coordinator)
    response = client.get(reverse("groups:roster", args=["ecommerce"]) + "?o=-name")
    assert listed_names(response) == PINYIN_ORDER[::-1]


@pytest.mark.parametrize("query", ["", "?o=name", "?q=&o=category"])
def test_the_talent_search_sorts_names_by_pinyin(client, admin_user, named_members, query):
    client.force_login(admin_user)
    response = client.get(reverse("members:member-list") + query)
    assert listed_names(response) == PINYIN_ORDER


@pytest.mark.parametrize("sheet", ["attendance_sheet", "hours_sheet"])
def test_participant_sheets_list_names_by_pinyin(ecommerce, sheet):
    from activities import selectors

    activity = ActivityFactory(group=ecommerce, capacity=None)
    shuffled = PINYIN_ORDER[:]
    random.Random(14).shuffle(shuffled)
    for name in shuffled:
        SignUpFactory(activity=activity, member__full_name=name)
    rows = getattr(selectors, sheet)(activity)
    assert [row.member.full_name for row in rows] == PINYIN_ORDER


def test_the_database_orders_across_a_relation(named_members):
    rows = Membership.objects.order_by(by_name("member__full_name"), "pk")
    assert [m.member.full_name for m in rows.select_related("member")] == PINYIN_ORDER


def test_digits_then_chinese_then_latin_as_icu_does(db):
    names = ["Zoe", "黄六", "1号", "alice", "丁一", "重庆人", "Bob"]
    for name in names:
        MemberFactory(full_name=name)
    ordered = list(Member.objects.order_by(by_name(), "pk").values_list("full_name", flat=True))
    # 重 in 重庆 reads chong (the word decides), so it comes before 丁 (ding).
    assert ordered == ["1号", "重庆人", "丁一", "黄六", "alice", "Bob", "Zoe"]


def test_the_sqlite_key_reads_heteronyms_by_word():
    assert pinyin_sort_key("重庆") < pinyin_sort_key("丁") < pinyin_sort_key("重量")


def test_equal_names_page_without_repeating_or_skipping_anyone(client, coordinator, ecommerce):
    for _ in range(55):
        MembershipFactory(group=ecommerce, status="active", member__full_name="张伟")
    client.force_login(coordinator)
    url = reverse("groups:roster", args=["ecommerce"]) + "?o=employer"
    first = [m.pk for m in client.get(url).context["members"]]
    second = [m.pk for m in client.get(url + "&page=2").context["members"]]
    assert len(first) == 50 and len(set(first + second)) == 55


@pytest.mark.postgres
def test_postgresql_sorts_in_the_database_with_its_icu_collation(named_members):
    sql = str(Member.objects.order_by(by_name()).query)
    assert 'COLLATE "zh-x-icu"' in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'zh-x-icu'")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize("query", ["?o=bogus", "?o=-name,name", "?o=employer,-name"])
def test_odd_sort_parameters_never_break_the_roster(client, coordinator, named_members, query):
    client.force_login(coordinator)
    response = client.get(reverse("groups:roster", args=["ecommerce"]) + query)
    assert response.status_code == 200


def test_the_admin_lists_members_in_pinyin_order(admin_client, ecommerce):

    for name in ("何六", "丁一", "黄七", "杜二"):
        MembershipFactory(member=MemberFactory(full_name=name), group=ecommerce)
    html = admin_client.get(reverse("admin:members_member_changelist")).content.decode()
    positions = [html.index(name) for name in ("丁一", "杜二", "何六", "黄七")]
    assert positions == sorted(positions)
    html = admin_client.get(reverse("admin:groups_membership_changelist")).content.decode()
    positions = [html.index(name) for name in ("丁一", "杜二", "何六", "黄七")]
    assert positions == sorted(positions)


def test_ordering_by_name_inside_an_open_iteration_works(ecommerce):
    """A by-name query compiled while another statement is still being read (SQLite
    refuses to redefine a collation then)."""
    for name in ("何六", "丁一", "黄七"):
        MemberFactory(full_name=name)
    seen = []
    for member in Member.objects.order_by("pk").iterator(chunk_size=1):
        seen.append(list(Member.objects.order_by(by_name()).values_list("full_name", flat=True)))
        assert member.pk
    assert seen and all(names[:1] == ["丁一"] for names in seen)
