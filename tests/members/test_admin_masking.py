"""Django admin masks identity numbers for staff who may only view members, as the portal
does: the change page, the history list and a past version, search and the export."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import Member
from members.resources import COLUMNS
from members.services import member_update
from tests.factories import MemberFactory, UserFactory

OLD_ID = "11010519491231002X"
NEW_ID = "350602199001011235"
OLD_MASKED = "110***********002X"
NEW_MASKED = "350***********1235"


def staff_with(*codenames, username):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def viewer(db):
    """Staff allowed only to view members in admin."""
    return staff_with("view_member", username="viewer")


@pytest.fixture
def editor(db):
    """Staff allowed to change members in admin."""
    return staff_with("view_member", "change_member", username="editor")


@pytest.fixture
def member(admin_user):
    """A member whose identity number was corrected once (two history rows)."""
    member = MemberFactory(full_name="身份证测试", national_id=OLD_ID)
    member_update(actor=admin_user, member=member, fields={"national_id": NEW_ID})
    return Member.objects.get(pk=member.pk)


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_view_only_staff_see_the_identity_number_masked_on_the_change_page(client, viewer, member):
    html = page(client, viewer, reverse("admin:members_member_change", args=[member.pk]))
    assert NEW_MASKED in html and NEW_ID not in html


@pytest.mark.parametrize("who", ["editor", "admin_user"])
def test_staff_who_may_change_members_see_and_edit_the_full_number(request, client, who, member):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert "national_id" in response.context["adminform"].form.fields
    assert NEW_ID in response.content.decode()


def test_view_only_staff_see_their_own_number_in_full(client, viewer):
    MemberFactory(user=viewer, national_id=OLD_ID)
    html = page(client, viewer, reverse("admin:members_member_change", args=[viewer.member.pk]))
    assert OLD_ID in html


def test_history_list_masks_the_change_of_identity_number_for_view_only_staff(
    client, viewer, editor, member
):
    url = reverse("admin:members_member_history", args=[member.pk])
    html = page(client, viewer, url)
    assert OLD_MASKED in html and NEW_MASKED in html
    assert OLD_ID not in html and NEW_ID not in html
    html = page(client, editor, url)
    assert OLD_ID in html and NEW_ID in html


def test_a_past_version_is_masked_and_cannot_be_restored_by_view_only_staff(
    client, viewer, editor, member
):
    first = member.history.earliest()
    url = reverse("admin:members_member_simple_history", args=[member.pk, first.history_id])
    html = page(client, viewer, url)
    assert OLD_MASKED in html and OLD_ID not in html
    # simple_history saves a posted past version without asking for the change permission.
    response = client.post(url, {"full_name": "改掉", "national_id": OLD_ID, "status": "active"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.national_id == NEW_ID and member.full_name == "身份证测试"
    assert OLD_ID in page(client, editor, url)


def test_search_by_identity_number_finds_nothing(client, viewer, member):
    client.force_login(viewer)
    response = client.get(reverse("admin:members_member_changelist"), {"q": NEW_ID})
    assert list(response.context["cl"].result_list) == []


def export_csv(client, user) -> str:
    client.force_login(user)
    response = client.post(
        reverse("admin:members_member_export"),
        {"format": "0", "resource": "0", **{f"memberresource_{n}": "on" for n, *_ in COLUMNS}},
    )
    assert response.status_code == 200, response.content[:500]
    return response.content.decode("utf-8-sig")


def test_admin_export_masks_identity_numbers_for_view_only_staff(client, viewer, editor, member):
    content = export_csv(client, viewer)
    assert "身份证测试" in content and NEW_MASKED in content and NEW_ID not in content
    assert NEW_ID in export_csv(client, editor)
