import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.models import Member, Skill, User
from tests.factories import MemberFactory, MembershipFactory

SIGNUP = {
    "full_name": "陈小明",
    "phone": "+86 139-1234-5678",
    "email": "xm@example.com",
    "password1": "a-long-pass-2026",
    "password2": "a-long-pass-2026",
}


def test_signup_creates_an_account_and_a_member_and_logs_in(client, db):
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302 and response["Location"] == reverse("members:me-edit")
    member = Member.objects.get(phone="13912345678")
    assert member.user.username == "13912345678"
    assert member.user.check_password("a-long-pass-2026")
    assert client.get(reverse("me")).status_code == 200
    assert member.history.first().history_user == member.user


def test_signup_with_a_registered_phone_is_refused_with_a_message(client, db):
    MemberFactory(phone="13912345678")
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 200
    assert "已登记" in str(response.context["form"].errors["phone"])
    assert not User.objects.filter(username="13912345678").exists()


def test_signup_with_a_weak_or_mismatched_password_is_refused(client, db):
    response = client.post(reverse("signup"), {**SIGNUP, "password2": "other-pass-2026"})
    assert "password2" in response.context["form"].errors
    response = client.post(reverse("signup"), {**SIGNUP, "password1": "123", "password2": "123"})
    assert "password1" in response.context["form"].errors
    assert not Member.objects.exists()


def profile(**overrides):
    data = {
        "full_name": "陈小明",
        "phone": "13912345678",
        "email": "xm@example.com",
        "personnel_category": "freelancer",
        "political_status": "citizen",
        "district": "longhai",
        "skills": [Skill.objects.get(name="税法").pk],
        "available_weekends": "on",
    }
    data.update(overrides)
    return data


def test_a_volunteer_completes_their_profile_with_identity_number_and_photo(client, volunteer):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(buffer, "PNG")
    client.force_login(volunteer)
    response = client.post(
        reverse("members:me-edit"),
        profile(
            phone=volunteer.member.phone,
            national_id="11010519491231002x",
            photo_upload=SimpleUploadedFile("me.png", buffer.getvalue(), "image/png"),
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get(pk=volunteer.member.pk)
    assert member.national_id == "11010519491231002X"
    assert member.district == "longhai" and member.available_weekends
    assert [s.name for s in member.skills.all()] == ["税法"]
    assert member.photo.name.endswith(".jpg") and member.photo_thumbnail.name
    page = client.get(reverse("me")).content.decode()
    assert "11010519491231002X" in page  # the member sees their own number in full


def test_a_bad_identity_number_gets_a_field_error_and_nothing_is_saved(client, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("members:me-edit"),
        profile(phone=volunteer.member.phone, national_id="110105194912310021", full_name="改名"),
    )
    assert response.status_code == 200
    assert "national_id" in response.context["form"].errors
    assert Member.objects.get(pk=volunteer.member.pk).full_name != "改名"


def test_a_non_image_photo_is_refused_with_a_message(client, volunteer):
    client.force_login(volunteer)
    response = client.post(
        reverse("members:me-edit"),
        profile(
            phone=volunteer.member.phone,
            photo_upload=SimpleUploadedFile("x.jpg", b"<html>nope</html>", "image/jpeg"),
        ),
    )
    assert response.status_code == 200
    assert "不是图片" in str(response.context["form"].errors["photo_upload"])


def test_an_account_without_a_member_record_completes_one(client, staff):
    client.force_login(staff)
    assert client.get(reverse("me"))["Location"] == reverse("members:me-edit")
    response = client.post(reverse("members:me-edit"), profile())
    assert response.status_code == 302
    assert Member.objects.get(user=staff).phone == "13912345678"


@pytest.fixture
def ecommerce_member(ecommerce):
    member = MemberFactory(national_id="11010519491231002X", full_name="被管理的成员")
    MembershipFactory(member=member, group=ecommerce)
    return member


def test_coordinator_edits_a_member_but_never_sees_the_full_identity_number(
    client, coordinator, ecommerce_member
):
    client.force_login(coordinator)
    detail = client.get(reverse("members:member-detail", args=[ecommerce_member.pk]))
    html = detail.content.decode()
    assert "110***********002X" in html and "11010519491231002X" not in html
    form_page = client.get(reverse("members:member-edit", args=[ecommerce_member.pk]))
    assert "national_id" not in form_page.context["form"].fields
    assert "11010519491231002X" not in form_page.content.decode()
    response = client.post(
        reverse("members:member-edit", args=[ecommerce_member.pk]),
        profile(phone=ecommerce_member.phone, employer="新单位"),
    )
    assert response.status_code == 302
    ecommerce_member.refresh_from_db()
    assert ecommerce_member.employer == "新单位"
    assert ecommerce_member.national_id == "11010519491231002X"  # untouched


def test_the_service_refuses_a_coordinator_setting_an_identity_number(
    coordinator, ecommerce_member
):
    from django.core.exceptions import PermissionDenied

    from members.services import member_update

    with pytest.raises(PermissionDenied):
        member_update(
            actor=coordinator, member=ecommerce_member, fields={"national_id": "350602199001011235"}
        )


def test_the_audit_trail_shows_who_changed_what_with_the_identity_number_masked(
    client, coordinator, admin_user, ecommerce_member
):
    from members.services import member_update

    member_update(
        actor=admin_user, member=ecommerce_member, fields={"national_id": "350602199001011235"}
    )
    client.force_login(coordinator)
    client.post(
        reverse("members:member-edit", args=[ecommerce_member.pk]),
        profile(phone=ecommerce_member.phone, employer="审计测试单位"),
    )
    html = client.get(reverse("members:member-detail", args=[ecommerce_member.pk])).content.decode()
    assert "审计测试单位" in html and "coord" in html and "boss" in html
    assert "350***********1235" in html and "350602199001011235" not in html
    assert "11010519491231002X" not in html
    client.force_login(admin_user)
    html = client.get(reverse("members:member-detail", args=[ecommerce_member.pk])).content.decode()
    assert "350602199001011235" in html


def test_coordinator_deactivates_and_reactivates_a_member(client, coordinator, ecommerce_member):
    client.force_login(coordinator)
    url = reverse("members:member-status", args=[ecommerce_member.pk])
    client.post(url, {"status": "inactive"})
    ecommerce_member.refresh_from_db()
    assert ecommerce_member.status == "inactive"
    client.post(url, {"status": "active"})
    ecommerce_member.refresh_from_db()
    assert ecommerce_member.status == "active"
    response = client.post(url, {"status": "deleted"}, follow=True)
    assert "未知状态" in response.content.decode()


def test_coordinator_of_another_group_cannot_deactivate(
    client, other_coordinator, ecommerce_member
):
    client.force_login(other_coordinator)
    response = client.post(
        reverse("members:member-status", args=[ecommerce_member.pk]), {"status": "inactive"}
    )
    assert response.status_code == 404
    ecommerce_member.refresh_from_db()
    assert ecommerce_member.status == "active"


def test_my_data_download_holds_my_profile_and_memberships(client, volunteer, ecommerce):
    import json

    MembershipFactory(member=volunteer.member, group=ecommerce)
    client.force_login(volunteer)
    response = client.get(reverse("members:me-data"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["member"]["phone"] == volunteer.member.phone
    assert data["account"]["username"] == "vol"
    assert [m["group"] for m in data["groups.membership"]] == [str(ecommerce)]


def test_a_deletion_request_is_recorded_once_and_shown(client, volunteer):
    client.force_login(volunteer)
    client.post(reverse("members:me-delete"), {"reason": "不再参加"})
    response = client.post(reverse("members:me-delete"), {"reason": "again"}, follow=True)
    assert volunteer.member.deletion_requests.count() == 1
    assert "已有一个删除申请在等待处理" in response.content.decode()
    assert "管理员正在处理" in client.get(reverse("me")).content.decode()
