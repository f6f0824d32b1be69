"""The coordinator's roster and the talent search: filters, counts, masking, query budgets."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import Membership
from members.models import Member, Skill
from tests.factories import MemberFactory, MembershipFactory


def add_members(group, n, *, start=0, **fields):
    """n members of the group in a handful of queries (bulk), each with a skill."""
    members = Member.objects.bulk_create(
        [
            Member(
                full_name=f"成员{start + i:05d}",
                phone=f"186{start + i:08d}",
                personnel_category=("freelancer", "new_media", "enterprise")[i % 3],
                district=("longhai", "xiangcheng")[i % 2],
                employer="示例单位",
                **fields,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    if connection.vendor != "postgresql":  # SQLite's bulk_create gives no primary keys
        members = list(Member.objects.filter(phone__in=[m.phone for m in members]))
    Membership.objects.bulk_create(
        [Membership(member=m, group=group, status="active") for m in members], batch_size=2000
    )
    skills = list(Skill.objects.all()[:3])
    Member.skills.through.objects.bulk_create(
        [Member.skills.through(member=m, skill=skills[i % 3]) for i, m in enumerate(members)],
        batch_size=2000,
    )


def roster(client, query=""):
    return client.get(reverse("groups:roster", args=["ecommerce"]) + query)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def test_roster_lists_active_members_only_with_counts_per_category(coordinator_client, ecommerce):
    add_members(ecommerce, 6)
    MembershipFactory(group=ecommerce, status="applied", member__full_name="还在申请")
    MembershipFactory(group=ecommerce, status="left", member__full_name="已经退出")
    response = roster(coordinator_client)
    names = [m.full_name for m in response.context["members"]]
    assert len(names) == 6 and "还在申请" not in names and "已经退出" not in names
    counts = {code: n for code, _label, n in response.context["category_counts"]}
    assert counts["freelancer"] == counts["new_media"] == counts["enterprise"] == 2


def test_roster_filters_by_skill_category_district_and_search(coordinator_client, ecommerce):
    tax = Skill.objects.get(name="税法")
    lawyer = MemberFactory(
        full_name="林税务",
        employer="龙海会计所",
        district="longhai",
        personnel_category="intermediary",
    )
    lawyer.skills.add(tax)
    MembershipFactory(member=lawyer, group=ecommerce)
    add_members(ecommerce, 4)

    def names(query):
        return [m.full_name for m in roster(coordinator_client, query).context["members"]]

    assert names(f"?skill={tax.pk}") == ["林税务"]
    assert names("?personnel_category=intermediary") == ["林税务"]
    assert names("?q=税法") == ["林税务"]  # search covers skills
    assert names("?q=龙海会计") == ["林税务"]  # and employers
    assert names(f"?q={lawyer.phone[:7]}") == ["林税务"]  # and phones
    assert len(names("?district=longhai")) == 3
    assert names("?o=-name")[0] == "林税务"


def test_a_bad_filter_value_shows_a_form_error_not_a_500(coordinator_client, ecommerce):
    add_members(ecommerce, 2)
    response = roster(coordinator_client, "?district=mars&skill=abc&o=bogus")
    assert response.status_code == 200
    assert response.context["filterset"].form.errors


def test_roster_pages_by_50(coordinator_client, ecommerce):
    add_members(ecommerce, 51)
    assert len(roster(coordinator_client).context["members"]) == 50
    assert len(roster(coordinator_client, "?page=2").context["members"]) == 1


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?q=成员&district=longhai&o=-name"])
def test_roster_costs_the_same_queries_at_50_and_10000_members(
    coordinator_client, ecommerce, query
):
    url = reverse("groups:roster", args=["ecommerce"]) + query
    add_members(ecommerce, 50)
    small = count_queries(coordinator_client, url)
    add_members(ecommerce, 9950, start=50)
    large = count_queries(coordinator_client, url)
    assert small == large <= 12


def test_talent_search_costs_the_same_queries_at_50_and_10000_members(
    client, admin_user, ecommerce
):
    client.force_login(admin_user)
    url = reverse("members:member-list") + "?district=longhai"
    add_members(ecommerce, 50)
    small = count_queries(client, url)
    add_members(ecommerce, 9950, start=50)
    large = count_queries(client, url)
    assert small == large <= 12


@pytest.mark.parametrize(
    "url", [reverse("groups:roster", args=["ecommerce"]), reverse("members:member-list")]
)
def test_account_status_is_worked_out_only_for_the_pages_rows(client, admin_user, ecommerce, url):
    """Issue 12: the invitation subqueries run over the page's rows, not over every
    member before the sort and the LIMIT; one aggregate gives both the category counts
    and the number of pages (no separate COUNT). Issue 13: the page's ids come first (the
    sorted, sliced list), then its rows by those ids alone."""
    add_members(ecommerce, 60)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + "?page=2")
    assert response.status_code == 200
    ids = [q["sql"] for q in queries if q["sql"].startswith('SELECT "members_member"."id" AS')]
    assert len(ids) == 1 and "LIMIT 10 OFFSET 50" in ids[0], ids  # the last page: ten
    page = [q["sql"] for q in queries if "members_invitation" in q["sql"]]
    assert len(page) == 1, page
    listed = re.search(r'"members_member"\."id" IN \(([\d, ]+)\)', page[0])
    assert listed and len(listed.group(1).split(",")) == 10  # the second page's ten
    assert not [q for q in queries if 'COUNT(*) AS "__count" FROM "members_member"' in q["sql"]]
    counts = {code: n for code, _label, n in response.context["category_counts"]}
    assert response.context["paginator"].count == sum(counts.values())


def test_a_coordinators_talent_search_covers_only_their_groups(
    client, coordinator, ecommerce, culture
):
    add_members(ecommerce, 2)
    add_members(culture, 3, start=100)
    client.force_login(coordinator)
    members = client.get(reverse("members:member-list")).context["members"]
    assert {m.phone for m in members} == {"18600000000", "18600000001"}


def test_staff_allowed_only_to_view_members_see_masked_phones(client, staff, ecommerce):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_member"))
    add_members(ecommerce, 1)
    client.force_login(staff)
    html = client.get(reverse("members:member-list")).content.decode()
    assert "186****0000" in html and "18600000000" not in html


def test_admins_and_coordinators_see_full_phones_in_lists(
    client, admin_user, coordinator, ecommerce
):
    add_members(ecommerce, 1)
    for user in (admin_user, coordinator):
        client.force_login(user)
        assert "18600000000" in client.get(reverse("members:member-list")).content.decode()
        assert "18600000000" in roster(client).content.decode()


def test_coordinator_adds_a_member_met_at_an_event(coordinator_client, ecommerce):
    response = coordinator_client.post(
        reverse("groups:roster-add", args=["ecommerce"]),
        {"full_name": "现场登记", "phone": "13700001111", "district": "zhangpu"},
    )
    member = Member.objects.get(phone="13700001111")
    assert response["Location"] == reverse("members:member-detail", args=[member.pk])
    assert member.memberships.get().status == "active"
    assert (
        "national_id"
        not in coordinator_client.get(reverse("groups:roster-add", args=["ecommerce"]))
        .context["form"]
        .fields
    )


def test_adding_a_member_with_a_taken_phone_gets_a_field_error(coordinator_client, ecommerce):
    MemberFactory(phone="13700001111")
    response = coordinator_client.post(
        reverse("groups:roster-add", args=["ecommerce"]),
        {"full_name": "重复", "phone": "13700001111"},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert Member.objects.filter(phone="13700001111").count() == 1
