import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from groups.models import LeaderAssignment, Membership, ServiceGroup
from tests.factories import (
    LeaderAssignmentFactory,
    MemberFactory,
    MembershipFactory,
    ServiceGroupFactory,
)

HEAD = LeaderAssignment.Role.HEAD


def png_bytes(size=(32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_home_shows_the_five_groups_in_chinese_with_head_and_member_count(client, ecommerce):
    head = LeaderAssignmentFactory(group=ecommerce, role=HEAD, member__full_name="林测试")
    MembershipFactory.create_batch(3, group=ecommerce)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    for name in (
        "网上助农服务团",
        "电商培训服务团",
        "行业对接服务团",
        "文化志愿服务团",
        "财税事务服务团",
    ):
        assert name in html
    assert head.member.full_name in html
    assert "3 名成员" in html
    assert "暂无即将开展的活动" in html  # the empty state until activities exist


def test_switching_to_english_shows_the_groups_in_english(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert "E-commerce Training Service Group" in html
    assert "Upcoming activities" in html
    assert '<html lang="en">' in html


def test_inactive_group_is_hidden_from_the_public_but_not_from_its_coordinator(
    client, culture, other_coordinator
):
    ServiceGroup.objects.filter(pk=culture.pk).update(is_active=False)
    assert "文化志愿服务团" not in client.get("/").content.decode()
    assert client.get(reverse("groups:group-detail", args=["culture"])).status_code == 404
    client.force_login(other_coordinator)
    assert client.get(reverse("groups:group-detail", args=["culture"])).status_code == 200
    assert "文化志愿服务团" in client.get(reverse("groups:group-list")).content.decode()


def test_group_page_lists_current_and_past_leaders(client, ecommerce):
    today = timezone.localdate()
    LeaderAssignmentFactory(
        group=ecommerce,
        role=HEAD,
        member__full_name="前任团长",
        start_date=today - datetime.timedelta(days=900),
        end_date=today - datetime.timedelta(days=400),
    )
    LeaderAssignmentFactory(
        group=ecommerce,
        role=HEAD,
        member__full_name="现任团长",
        start_date=today - datetime.timedelta(days=399),
    )
    LeaderAssignmentFactory(
        group=ecommerce, role=LeaderAssignment.Role.DEPUTY, member__full_name="副团长甲"
    )
    response = client.get(reverse("groups:group-detail", args=["ecommerce"]))
    current = [t.member.full_name for t in response.context["current_terms"]]
    past = [t.member.full_name for t in response.context["past_terms"]]
    assert current == ["现任团长", "副团长甲"]  # heads first
    assert past == ["前任团长"]
    assert "前任团长" in response.content.decode()


def test_anonymous_visitor_sees_no_edit_button(client, ecommerce):
    html = client.get(reverse("groups:group-detail", args=["ecommerce"])).content.decode()
    assert reverse("groups:group-edit", args=["ecommerce"]) not in html


def test_coordinator_sees_the_edit_button_of_their_group_only(client, coordinator):
    client.force_login(coordinator)
    html = client.get(reverse("groups:group-detail", args=["ecommerce"])).content.decode()
    assert reverse("groups:group-edit", args=["ecommerce"]) in html
    html = client.get(reverse("groups:group-detail", args=["culture"])).content.decode()
    assert reverse("groups:group-edit", args=["culture"]) not in html


def test_coordinator_edits_the_mission_and_uploads_an_emblem(client, coordinator, ecommerce):
    client.force_login(coordinator)
    response = client.post(
        reverse("groups:group-edit", args=["ecommerce"]),
        {
            "mission_zh": "新的使命",
            "mission_en": "A new mission",
            "emblem_upload": SimpleUploadedFile("e.png", png_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    ecommerce.refresh_from_db()
    assert ecommerce.mission_zh == "新的使命"
    assert ecommerce.emblem.name.startswith("groups/emblems/")
    page = client.get(response["Location"]).content.decode()
    assert "新的使命" in page
    assert ecommerce.emblem.url in page


def test_a_file_that_is_not_an_image_is_refused_with_a_message(client, coordinator, ecommerce):
    client.force_login(coordinator)
    response = client.post(
        reverse("groups:group-edit", args=["ecommerce"]),
        {
            "mission_zh": "改了",
            "emblem_upload": SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "emblem_upload" in response.context["form"].errors
    ecommerce.refresh_from_db()
    assert ecommerce.mission_zh != "改了" and not ecommerce.emblem


def test_an_oversized_emblem_is_refused(client, coordinator, ecommerce):
    client.force_login(coordinator)
    big = png_bytes() + b"\0" * (8 * 1024 * 1024)
    response = client.post(
        reverse("groups:group-edit", args=["ecommerce"]),
        {"mission_zh": "x", "emblem_upload": SimpleUploadedFile("big.png", big, "image/png")},
    )
    assert response.status_code == 200
    assert "8 MB" in str(response.context["form"].errors["emblem_upload"])


def test_service_refuses_a_coordinator_of_another_group(other_coordinator, ecommerce):
    from django.core.exceptions import PermissionDenied

    from groups.services import group_update_profile

    with pytest.raises(PermissionDenied):
        group_update_profile(
            actor=other_coordinator, group=ecommerce, mission_zh="x", mission_en="y"
        )


def test_an_ended_term_no_longer_gives_coordinator_powers(client, ecommerce):
    from tests.factories import UserFactory

    user = UserFactory()
    member = MemberFactory(user=user)
    LeaderAssignmentFactory(
        group=ecommerce,
        member=member,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2021, 1, 1),
    )
    client.force_login(user)
    assert client.get(reverse("groups:group-edit", args=["ecommerce"])).status_code == 403


def add_groups(n: int) -> None:
    """n more groups, each with a head, a deputy and two members."""
    for group in ServiceGroupFactory.create_batch(n):
        LeaderAssignmentFactory(group=group, role=HEAD)
        LeaderAssignmentFactory(group=group, role=LeaderAssignment.Role.DEPUTY)
        MembershipFactory.create_batch(2, group=group, status=Membership.Status.ACTIVE)


@pytest.mark.parametrize("url", ["/", "/groups/"])
def test_group_cards_cost_the_same_queries_for_5_and_50_groups(client, db, url, coordinator):
    ServiceGroup.objects.all().delete()
    add_groups(5)
    # The coordinator leads one of the new groups, so "My groups" is measured too.
    LeaderAssignmentFactory(group=ServiceGroup.objects.first(), member=coordinator.member)
    client.force_login(coordinator)
    assert 'id="my-groups"' in client.get(url).content.decode()
    small = count_queries(client, url)
    add_groups(45)
    large = count_queries(client, url)
    assert small == large
    assert large <= 8


def test_group_page_costs_the_same_queries_for_5_and_50_leader_terms(client, ecommerce):
    def add_terms(n):
        for i in range(n):
            LeaderAssignmentFactory(
                group=ecommerce,
                start_date=datetime.date(2000, 1, 1) + datetime.timedelta(days=i),
                end_date=datetime.date(2001, 1, 1) + datetime.timedelta(days=i),
            )

    add_terms(5)
    small = count_queries(client, reverse("groups:group-detail", args=["ecommerce"]))
    add_terms(45)
    large = count_queries(client, reverse("groups:group-detail", args=["ecommerce"]))
    assert small == large <= 6


def test_navigation_lists_the_groups_a_coordinator_leads(client, coordinator, volunteer):
    client.force_login(coordinator)
    html = client.get("/").content.decode()
    assert 'id="my-groups"' in html
    client.force_login(volunteer)
    assert 'id="my-groups"' not in client.get("/").content.decode()


def test_staff_holding_the_change_permission_may_edit_any_group(client, staff):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="change_servicegroup"))
    client.force_login(staff)
    assert client.get(reverse("groups:group-edit", args=["culture"])).status_code == 200
