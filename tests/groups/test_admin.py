import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups.models import LeaderAssignment
from tests.factories import MemberFactory


def inline_data(rows):
    data = {
        "leader_assignments-TOTAL_FORMS": str(len(rows)),
        "leader_assignments-INITIAL_FORMS": "0",
        "leader_assignments-MIN_NUM_FORMS": "0",
        "leader_assignments-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"leader_assignments-{i}-{key}"] = value
    return data


def group_form(group, rows):
    return {
        "name_zh": group.name_zh,
        "name_en": group.name_en,
        "slug": group.slug,
        "mission_zh": group.mission_zh,
        "mission_en": group.mission_en,
        "display_order": group.display_order,
        "is_active": "on",
        **inline_data(rows),
    }


def test_admin_edits_a_group_and_adds_a_head_inline(admin_client, ecommerce):
    member = MemberFactory()
    response = admin_client.post(
        reverse("admin:groups_servicegroup_change", args=[ecommerce.pk]),
        group_form(ecommerce, [{"member": member.pk, "role": "head", "start_date": "2025-01-01"}]),
    )
    assert response.status_code == 302
    assert LeaderAssignment.objects.current().get(group=ecommerce, role="head").member == member


def test_two_overlapping_heads_in_one_submission_get_an_error_not_a_500(admin_client, ecommerce):
    rows = [
        {"member": MemberFactory().pk, "role": "head", "start_date": "2025-01-01"},
        {"member": MemberFactory().pk, "role": "head", "start_date": "2025-03-01"},
    ]
    response = admin_client.post(
        reverse("admin:groups_servicegroup_change", args=[ecommerce.pk]),
        group_form(ecommerce, rows),
    )
    assert response.status_code == 200
    assert "重叠" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert not LeaderAssignment.objects.filter(group=ecommerce).exists()


def test_a_head_overlapping_a_saved_term_gets_a_field_error(admin_client, ecommerce):
    LeaderAssignment.objects.create(
        group=ecommerce, member=MemberFactory(), role="head", start_date=datetime.date(2024, 1, 1)
    )
    response = admin_client.post(
        reverse("admin:groups_leaderassignment_add"),
        {
            "group": ecommerce.pk,
            "member": MemberFactory().pk,
            "role": "head",
            "start_date": "2024-06-01",
            "end_date": "2024-12-31",
        },
    )
    assert response.status_code == 200
    assert "重叠" in str(response.context["adminform"].form.non_field_errors())
    assert LeaderAssignment.objects.filter(group=ecommerce).count() == 1


def grow(n):
    from tests.factories import LeaderAssignmentFactory, MembershipFactory, ServiceGroupFactory

    for group in ServiceGroupFactory.create_batch(n):
        LeaderAssignmentFactory(group=group)
        MembershipFactory(group=group)


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:groups_servicegroup_changelist",
        "admin:groups_leaderassignment_changelist",
        "admin:groups_membership_changelist",
        "admin:members_member_changelist",
    ],
)
def test_admin_lists_cost_the_same_queries_for_5_and_50_rows(admin_client, db, changelist):
    url = reverse(changelist)
    grow(5)
    with CaptureQueriesContext(connection) as small:
        assert admin_client.get(url).status_code == 200
    grow(45)
    with CaptureQueriesContext(connection) as large:
        assert admin_client.get(url).status_code == 200
    assert len(small) == len(large) <= 12


def test_a_head_handover_is_one_admin_save(admin_client, ecommerce):
    old = LeaderAssignment.objects.create(
        group=ecommerce, member=MemberFactory(), role="head", start_date=datetime.date(2022, 1, 1)
    )
    successor = MemberFactory()
    data = group_form(
        ecommerce,
        [
            {
                "id": old.pk,
                "member": old.member_id,
                "role": "head",
                "start_date": "2022-01-01",
                "end_date": "2025-06-30",
            },
            {"member": successor.pk, "role": "head", "start_date": "2025-07-01"},
        ],
    )
    data["leader_assignments-INITIAL_FORMS"] = "1"
    data["leader_assignments-0-group"] = ecommerce.pk
    response = admin_client.post(
        reverse("admin:groups_servicegroup_change", args=[ecommerce.pk]), data
    )
    assert response.status_code == 302, response.context and response.context.get("errors")
    old.refresh_from_db()
    assert old.end_date == datetime.date(2025, 6, 30)
    assert (
        LeaderAssignment.objects.current(on=datetime.date(2025, 7, 1))
        .get(group=ecommerce, role="head")
        .member
        == successor
    )
