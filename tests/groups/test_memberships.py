"""Joining a group: apply, approve or reject with a reason, leave."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from groups import services
from groups.models import Membership
from tests.factories import MemberFactory, MembershipFactory


def test_volunteer_applies_from_the_group_page(client, volunteer, ecommerce):
    client.force_login(volunteer)
    page = client.get(reverse("groups:group-detail", args=["ecommerce"])).content.decode()
    assert reverse("groups:apply", args=["ecommerce"]) in page
    response = client.post(reverse("groups:apply", args=["ecommerce"]), {"motivation": "我会直播"})
    assert response["Location"] == reverse("me")
    membership = Membership.objects.get(member=volunteer.member, group=ecommerce)
    assert membership.status == "applied" and membership.motivation == "我会直播"
    page = client.get(reverse("groups:group-detail", args=["ecommerce"])).content.decode()
    assert "您的申请正在等待审核" in page


def test_a_second_application_to_the_same_group_is_refused(client, volunteer, ecommerce):
    client.force_login(volunteer)
    client.post(reverse("groups:apply", args=["ecommerce"]), {"motivation": "一"})
    response = client.post(
        reverse("groups:apply", args=["ecommerce"]), {"motivation": "二"}, follow=True
    )
    assert "您已申请或已加入该服务团" in response.content.decode()
    assert Membership.objects.filter(member=volunteer.member).count() == 1


def test_an_empty_motivation_gets_a_field_error(client, volunteer, ecommerce):
    client.force_login(volunteer)
    response = client.post(reverse("groups:apply", args=["ecommerce"]), {"motivation": ""})
    assert response.status_code == 200 and "motivation" in response.context["form"].errors


def test_a_member_may_belong_to_several_groups(volunteer, ecommerce, culture):
    for group in (ecommerce, culture):
        services.membership_apply(
            actor=volunteer, member=volunteer.member, group=group, motivation="x"
        )
    assert volunteer.member.memberships.count() == 2


def test_nobody_applies_on_someone_elses_behalf(volunteer, ecommerce):
    with pytest.raises(PermissionDenied):
        services.membership_apply(
            actor=volunteer, member=MemberFactory(), group=ecommerce, motivation="x"
        )


@pytest.fixture
def application(ecommerce):
    member = MemberFactory(email="applicant@example.com", full_name="申请人")
    return MembershipFactory(member=member, group=ecommerce, status="applied", motivation="想加入")


def test_coordinator_approves_and_the_applicant_is_emailed_after_commit(
    client, coordinator, application, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    pending = client.get(reverse("groups:applications", args=["ecommerce"]))
    assert "申请人" in pending.content.decode() and "想加入" in pending.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            reverse("groups:application-decide", args=["ecommerce", application.pk, "approve"])
        )
    assert mail.outbox == []  # nothing is sent before the data is saved
    for callback in callbacks:
        callback()
    application.refresh_from_db()
    assert application.status == "active" and application.decided_by == coordinator
    assert mail.outbox[0].to == ["applicant@example.com"]
    assert "电商培训服务团" in mail.outbox[0].subject


def test_rejecting_needs_a_reason_which_the_applicant_sees(
    client, coordinator, application, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("groups:application-decide", args=["ecommerce", application.pk, "reject"])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "请填写原因" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "applied"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "本期名额已满"})
    application.refresh_from_db()
    assert application.status == "rejected" and application.rejection_reason == "本期名额已满"
    assert "本期名额已满" in mail.outbox[0].body


def test_the_applicant_sees_the_outcome_on_their_page(client, volunteer, ecommerce, coordinator):
    membership = services.membership_apply(
        actor=volunteer, member=volunteer.member, group=ecommerce, motivation="x"
    )
    services.membership_reject(actor=coordinator, membership=membership, reason="请先参加培训")
    client.force_login(volunteer)
    html = client.get(reverse("me")).content.decode()
    assert "未通过" in html and "请先参加培训" in html


def test_a_decided_application_cannot_be_decided_again(coordinator, application):
    services.membership_approve(actor=coordinator, membership=application)
    with pytest.raises(ValidationError):
        services.membership_reject(actor=coordinator, membership=application, reason="x")


def test_a_coordinator_of_another_group_cannot_decide(client, other_coordinator, application):
    client.force_login(other_coordinator)
    response = client.post(
        reverse("groups:application-decide", args=["ecommerce", application.pk, "approve"])
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "applied"


def test_a_member_leaves_and_may_apply_again(client, volunteer, ecommerce):
    membership = MembershipFactory(member=volunteer.member, group=ecommerce)
    client.force_login(volunteer)
    client.post(reverse("groups:membership-end", args=["ecommerce", membership.pk]))
    membership.refresh_from_db()
    assert membership.status == "left" and membership.left_at
    services.membership_apply(
        actor=volunteer, member=volunteer.member, group=ecommerce, motivation="回来了"
    )


def test_a_coordinator_marks_a_member_as_left(client, coordinator, ecommerce):
    membership = MembershipFactory(group=ecommerce)
    client.force_login(coordinator)
    response = client.post(reverse("groups:membership-end", args=["ecommerce", membership.pk]))
    assert response["Location"] == reverse("groups:roster", args=["ecommerce"])
    membership.refresh_from_db()
    assert membership.status == "left"


def test_admin_approves_applications_in_bulk(admin_client, ecommerce):
    applications = MembershipFactory.create_batch(3, group=ecommerce, status="applied")
    response = admin_client.post(
        reverse("admin:groups_membership_changelist"),
        {"action": "approve", "_selected_action": [m.pk for m in applications]},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(status="active").count() == 3


def test_applications_page_costs_the_same_queries_for_5_and_50(
    client, coordinator, ecommerce, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    url = reverse("groups:applications", args=["ecommerce"])
    MembershipFactory.create_batch(5, group=ecommerce, status="applied")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    MembershipFactory.create_batch(45, group=ecommerce, status="applied")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large) <= 12


def test_mark_as_left_shows_only_on_memberships_the_coordinator_may_end(
    client, coordinator, ecommerce, culture
):
    """A member of two groups, seen by the e-commerce coordinator: the culture membership
    is not theirs to end, so it has no button (pressing it would be refused)."""
    member = MemberFactory(full_name="两团成员")
    ours = MembershipFactory(member=member, group=ecommerce)
    theirs = MembershipFactory(member=member, group=culture)
    client.force_login(coordinator)
    html = client.get(reverse("members:member-detail", args=[member.pk])).content.decode()
    assert reverse("groups:membership-end", args=["ecommerce", ours.pk]) in html
    assert reverse("groups:membership-end", args=["culture", theirs.pk]) not in html
    response = client.post(reverse("groups:membership-end", args=["culture", theirs.pk]))
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == "active"
    client.post(reverse("groups:membership-end", args=["ecommerce", ours.pk]))
    ours.refresh_from_db()
    assert ours.status == "left"
