"""Admin: likely duplicates, merging, bulk deactivation, deletion requests, import permissions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from groups.models import LeaderAssignment, Membership
from members.models import DeletionRequest, Member
from members.services import member_merge
from tests.factories import (
    LeaderAssignmentFactory,
    MemberFactory,
    MembershipFactory,
    UserFactory,
)


@pytest.fixture
def twins(ecommerce, culture):
    keep = MemberFactory(full_name="张三", employer="示例公司", email="", district="")
    drop = MemberFactory(
        full_name="张三", employer="示例公司", email="zs@example.com", district="longhai",
        user=UserFactory(username="zhangsan"),
    )  # fmt: skip
    MembershipFactory(member=keep, group=ecommerce)
    MembershipFactory(member=drop, group=ecommerce)  # the same group: a conflict
    MembershipFactory(member=drop, group=culture)
    LeaderAssignmentFactory(member=drop, group=culture, start_date=datetime.date(2024, 1, 1))
    return keep, drop


def test_likely_duplicates_are_listed_for_admins(admin_client, twins):
    keep, drop = twins
    response = admin_client.get(reverse("admin:members_member_duplicates"))
    groups = response.context["groups"]
    assert [[m.pk for m in group] for group in groups] == [[keep.pk, drop.pk]]
    assert (
        reverse("admin:members_member_merge", args=[keep.pk, drop.pk]) in response.content.decode()
    )


def test_merging_moves_groups_terms_and_account_and_records_it(admin_client, admin_user, twins):
    keep, drop = twins
    response = admin_client.post(reverse("admin:members_member_merge", args=[keep.pk, drop.pk]))
    assert response.status_code == 302
    keep.refresh_from_db()
    assert not Member.objects.filter(pk=drop.pk).exists()
    assert sorted(keep.memberships.values_list("group__slug", flat=True)) == [
        "culture",
        "ecommerce",
    ]
    assert LeaderAssignment.objects.get().member == keep
    assert keep.user.username == "zhangsan" and keep.email == "zs@example.com"
    assert keep.district == "longhai"
    latest = keep.history.latest()
    assert latest.history_user == admin_user and latest.history_change_reason == "merged"
    assert Member.history.filter(id=drop.pk, history_type="-").exists()


def test_only_admins_merge(coordinator, twins):
    keep, drop = twins
    with pytest.raises(PermissionDenied):
        member_merge(actor=coordinator, keep=keep, drop=drop)


def test_admin_deactivates_members_in_bulk(admin_client, ecommerce):
    members = MemberFactory.create_batch(3)
    admin_client.post(
        reverse("admin:members_member_changelist"),
        {"action": "deactivate", "_selected_action": [m.pk for m in members]},
    )
    assert set(Member.objects.values_list("status", flat=True)) == {"inactive"}


def test_deletion_requests_appear_in_admin_and_are_closed_there(admin_client, volunteer):
    request = DeletionRequest.objects.create(member=volunteer.member, reason="请删除")
    listing = admin_client.get(reverse("admin:members_deletionrequest_changelist"))
    assert volunteer.member.full_name in listing.content.decode()
    admin_client.post(
        reverse("admin:members_deletionrequest_changelist"),
        {"action": "close", "_selected_action": [request.pk]},
    )
    request.refresh_from_db()
    assert request.handled_at and request.handled_by.username == "boss"


def test_admin_import_and_export_need_model_permissions(client, staff):
    client.force_login(staff)
    assert client.get(reverse("admin:members_member_export")).status_code == 403
    assert client.get(reverse("admin:members_member_import")).status_code == 403


def test_admin_imports_members_through_the_same_columns(admin_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = "姓名,手机号,服务区域\n后台导入,13900000007,龙海区\n".encode()
    response = admin_client.post(
        reverse("admin:members_member_import"),
        {
            "import_file": SimpleUploadedFile("m.csv", content),
            "format": "0",
            "resource": "0",
        },
    )
    assert response.status_code == 200
    confirm = response.context["confirm_form"]
    response = admin_client.post(
        reverse("admin:members_member_process_import"), dict(confirm.initial)
    )
    assert response.status_code == 302
    assert Member.objects.get(phone="13900000007").district == "longhai"


def test_membership_changes_are_in_the_audit_trail(coordinator, ecommerce):
    from groups.services import membership_approve

    membership = MembershipFactory(group=ecommerce, status="applied")
    membership_approve(actor=coordinator, membership=membership)
    record = Membership.history.filter(id=membership.pk).latest()
    assert record.history_user == coordinator and record.status == "active"
