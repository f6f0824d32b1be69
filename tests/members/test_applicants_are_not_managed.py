"""Issue 9, finding 11: only an active membership gives a group's coordinators powers over a
member's record. Someone who has only applied is seen (to decide the application), not
managed: no editing, no deactivating, no invitations, a masked phone, and no other
group's rejection reasons."""

import pytest
from django.urls import reverse

from members import services
from members.permissions import member_policy
from tests.factories import MemberFactory, MembershipFactory


@pytest.fixture
def applicant(ecommerce, culture):
    """Applied to e-commerce; rejected by culture with a reason."""
    member = MemberFactory(full_name="申请中", phone="13911112222", email="a@example.com")
    MembershipFactory(member=member, group=ecommerce, status="applied")
    MembershipFactory(
        member=member, group=culture, status="rejected", rejection_reason="文化团的内部理由"
    )
    return member


def test_a_coordinator_sees_an_applicant_but_does_not_manage_them(coordinator, applicant):
    assert member_policy.can_view(coordinator, applicant)
    assert not member_policy.can_change(coordinator, applicant)
    assert not member_policy.can_deactivate(coordinator, applicant)
    assert not member_policy.can_manage_invitations(coordinator, applicant)
    assert not member_policy.sees_full_phone(coordinator, applicant)
    assert applicant not in member_policy.instances_for(coordinator, "manage")


def test_the_applicants_record_cannot_be_changed_by_the_coordinator(client, coordinator, applicant):
    client.force_login(coordinator)
    assert client.get(reverse("members:member-detail", args=[applicant.pk])).status_code == 200
    assert client.get(reverse("members:member-edit", args=[applicant.pk])).status_code == 403
    response = client.post(
        reverse("members:member-status", args=[applicant.pk]), {"status": "inactive"}
    )
    assert response.status_code == 403
    applicant.refresh_from_db()
    assert applicant.status == "active"
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from the service
        services.member_update(actor=coordinator, member=applicant, fields={"employer": "x"})


def test_the_applicants_page_hides_other_groups_rejection_reasons(client, coordinator, applicant):
    client.force_login(coordinator)
    page = client.get(reverse("members:member-detail", args=[applicant.pk])).content.decode()
    assert "申请中" in page
    assert "文化团的内部理由" not in page
    assert "13911112222" not in page  # masked


def test_the_applicant_still_sees_their_own_rejection_reason(client, applicant):
    from tests.factories import UserFactory

    applicant.user = UserFactory(username="applicant")
    applicant.save()
    client.force_login(applicant.user)
    assert "文化团的内部理由" in client.get(reverse("me")).content.decode()


def test_once_approved_the_coordinator_manages_the_member(coordinator, applicant, ecommerce):
    applicant.memberships.filter(group=ecommerce).update(status="active")
    assert member_policy.can_change(coordinator, applicant)
    assert member_policy.sees_full_phone(coordinator, applicant)
