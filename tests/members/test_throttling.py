"""Issue 9, findings 1 and 10: logins lock an account for a while after repeated failures,
strangers' forms are rate-limited, and no form says whose identity number is in the database."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.admin import likely_duplicates
from members.models import Member
from tests.factories import MemberFactory, UserFactory

PASSWORD = "the-right-pass-2026"
VALID_ID = "11010519491231002X"
OTHER_VALID_ID = "110105198001010016"


@pytest.fixture
def owner(db):
    user = UserFactory(username="xiaoming", password=PASSWORD)
    MemberFactory(user=user, phone="13912345678", full_name="陈小明")
    return user


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, owner):
    """The probe of finding 1: by username and by phone, then the right password."""
    for i in range(30):
        name = "xiaoming" if i % 2 else "+86 139 1234 5678"
        log_in(client, name, f"wrong-{i}")
    response = log_in(client, "xiaoming", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "登录失败次数过多" in page and "重置密码" in page


def test_failures_by_phone_and_by_username_count_for_one_account(client, owner):
    for name in ("139 1234 5678", "13912345678", "XiaoMing", "+8613912345678"):
        assert log_in(client, name, "wrong").status_code == 200
    assert log_in(client, "xiaoming", "wrong").status_code == 429  # the fifth
    assert log_in(client, "13912345678", PASSWORD).status_code == 429


def test_the_message_says_when_to_try_again_in_english_too(client, owner):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        log_in(client, "xiaoming", "wrong")
    page = log_in(client, "xiaoming", PASSWORD).content.decode()
    until = timezone.localtime(AccessAttempt.objects.get().attempt_time) + datetime.timedelta(
        minutes=15
    )
    assert "Too many failed logins for this account" in page
    assert f"after {until:%H:%M}" in page and "in 15 minutes" in page


def test_the_lockout_ends_after_the_cool_off_and_failing_meanwhile_does_not_extend_it(
    client, owner
):
    for _ in range(5):
        log_in(client, "xiaoming", "wrong")
    started = AccessAttempt.objects.get().attempt_time
    for _ in range(10):  # an attacker keeps trying during the lockout
        assert log_in(client, "xiaoming", "wrong").status_code == 429
    assert AccessAttempt.objects.get().attempt_time == started  # not extended
    AccessAttempt.objects.update(attempt_time=started - datetime.timedelta(minutes=16))
    response = log_in(client, "xiaoming", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_password_reset_by_email_lifts_the_lockout(
    client, owner, django_capture_on_commit_callbacks
):
    owner.email = "xm@example.com"
    owner.save()
    for _ in range(5):
        log_in(client, "xiaoming", "wrong")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "xm@example.com"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-pass-42", "new_password2": "a-brand-new-pass-42"},
    )
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "13912345678", "a-brand-new-pass-42").status_code == 302


def test_unknown_accounts_lock_the_same_way(client, db):
    """So the lockout says nothing about who exists."""
    for _ in range(4):
        assert log_in(client, "nobody-here", "wrong").status_code == 200
    assert log_in(client, "nobody-here", "wrong").status_code == 429  # the fifth


def test_an_admin_sees_the_locked_accounts_and_unlocks_one(client, owner, admin_user):
    for _ in range(5):
        log_in(client, "xiaoming", "wrong")
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and "xiaoming" in changelist.content.decode()
    attempt = AccessAttempt.objects.get()
    client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})
    client.logout()
    assert log_in(client, "xiaoming", PASSWORD).status_code == 302


def test_many_accounts_tried_from_one_address_are_limited_per_address(client, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": "6/15m"}
    for i in range(7):  # a different account each time: no account lockout
        assert log_in(client, f"user{i}", "wrong").status_code == 200
    response = log_in(client, "user99", "wrong")
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()
    # another address is not affected
    assert log_in(client, "user98", "wrong", REMOTE_ADDR="10.0.0.9").status_code == 200


SIGNUP = {
    "full_name": "陈小明",
    "phone": "13912345678",
    "email": "xm@example.com",
    "password1": "a-long-pass-2026",
    "password2": "a-long-pass-2026",
}


def test_sign_up_is_limited_per_address_and_then_answers_nothing_about_the_phone(client, db):
    MemberFactory(phone="13912345678")
    for _ in range(10):
        response = client.post(reverse("signup"), SIGNUP)
        assert response.status_code == 200 and "已登记" in response.content.decode()
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 429
    page = response.content.decode()
    assert "尝试次数过多" in page and "已登记" not in page
    assert "陈小明" in page  # what they typed is kept (not the passwords)
    assert "a-long-pass-2026" not in page


def test_password_reset_is_limited_per_email_and_per_address(client, db):
    for _ in range(3):
        assert client.post(reverse("password_reset"), {"email": "a@example.com"}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "A@example.com "})
    assert response.status_code == 429
    for i in range(6):  # other emails, same address: 10 in all
        client.post(reverse("password_reset"), {"email": f"b{i}@example.com"})
    assert client.post(reverse("password_reset"), {"email": "c@example.com"}).status_code == 429


def test_the_profile_form_is_limited_per_account(client, volunteer):
    client.force_login(volunteer)
    data = {"full_name": "志愿者", "phone": "13800000001"}
    for _ in range(20):
        assert client.post(reverse("members:me-edit"), data).status_code in (200, 302)
    assert client.post(reverse("members:me-edit"), data).status_code == 429


def own_profile(member, **changes):
    data = {
        "full_name": member.full_name,
        "phone": member.phone,
        "email": member.email,
        "national_id": member.national_id,
    }
    return {**data, **changes}


def test_the_own_profile_form_does_not_reveal_whose_identity_number_it_is(client, db):
    """Finding 10: the same answer for a number nobody has and for someone else's; the pair
    then waits on the administrators' list of likely duplicates."""
    someone = MemberFactory(national_id=VALID_ID, full_name="张三")
    answers = []
    for number in (OTHER_VALID_ID, VALID_ID):
        user = UserFactory()
        me = MemberFactory(user=user, phone=f"1370000000{len(answers)}")
        client.force_login(user)
        response = client.post(
            reverse("members:me-edit"), own_profile(me, national_id=number), follow=True
        )
        answers.append((response.status_code, [str(m) for m in response.context["messages"]]))
        me.refresh_from_db()
        assert me.national_id == number
    assert answers[0] == answers[1]
    assert any("管理员" in message for message in answers[1][1])
    (group,) = [group for group in likely_duplicates() if someone in group]
    assert len(group) == 2
    assert group.reason == "身份证号相同：110105********002X"  # what matched, masked


def test_an_administrator_editing_in_the_portal_is_told_of_the_duplicate(client, admin_user):
    MemberFactory(national_id=VALID_ID)
    other = MemberFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("members:member-edit", args=[other.pk]), own_profile(other, national_id=VALID_ID)
    )
    assert response.status_code == 200
    assert "national_id" in response.context["form"].errors
    assert Member.objects.filter(national_id=VALID_ID).count() == 1


def test_django_admins_login_counts_and_is_held_to_the_address_limit(client, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-address": "6/15m"}
    for i in range(7):
        client.post(reverse("admin:login"), {"username": f"staff{i}", "password": "wrong"})
    response = client.post(reverse("admin:login"), {"username": "staff9", "password": "wrong"})
    assert response.status_code == 429
    assert log_in(client, "user1", "wrong").status_code == 429  # the portal's login too


def test_a_reset_unlocks_an_account_whose_username_has_capitals(client, db):
    from members.lockout import unlock

    user = UserFactory(username="ZhangWei", password=PASSWORD)
    for name in ("ZhangWei", "zhangwei", "ZHANGWEI", "zhangWei"):
        assert log_in(client, name, "wrong").status_code == 200
    assert log_in(client, "ZhangWei", "wrong").status_code == 429  # one count for all
    unlock(user)
    assert log_in(client, "ZhangWei", PASSWORD).status_code == 302


def test_the_password_change_is_limited_per_account(client, volunteer):
    client.force_login(volunteer)
    data = {"old_password": "guess", "new_password1": "x-long-pass-1", "new_password2": "x"}
    for _ in range(10):
        assert client.post(reverse("password_change"), data).status_code == 200
    assert client.post(reverse("password_change"), data).status_code == 429


def test_members_sharing_an_identity_number_can_still_be_reimported(admin_user):
    """A volunteer typed someone else's number into their profile: re-importing either
    member's row (the number unchanged) is not refused; a new row with it still is."""
    import tablib

    from members.resources import MemberResource

    first = MemberFactory(national_id=VALID_ID, phone="13900000001")
    second = MemberFactory(national_id=VALID_ID, phone="13900000002")
    dataset = tablib.Dataset(headers=["姓名", "手机号", "身份证号", "工作单位"])
    for member in (first, second):
        dataset.append([member.full_name, member.phone, VALID_ID, "新单位"])
    dataset.append(["新人", "13900000003", VALID_ID, "新单位"])
    result = MemberResource(actor=admin_user, reveal_national_id=True).import_data(
        dataset, dry_run=True, use_transactions=True
    )
    invalid = {row.number for row in result.invalid_rows}
    assert invalid == {3}, [row.error_dict for row in result.invalid_rows]


def test_the_unlock_action_lets_the_account_log_in_at_once(client, owner, admin_user):
    for _ in range(5):
        log_in(client, "xiaoming", "wrong")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "unlock",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert "1 个账号可以重新登录" in response.content.decode()
    client.logout()
    assert log_in(client, "xiaoming", PASSWORD).status_code == 302


def test_the_limited_profile_form_keeps_every_skill_that_was_ticked(client, volunteer, settings):
    """A walk-through found the 429 page showing only the last skill ticked: saving it
    after the wait would have dropped the others."""
    from members.models import Skill

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "profile": "1/h"}
    skills = [Skill.objects.create(name=f"技能{i}") for i in range(2)]
    client.force_login(volunteer)
    data = {"full_name": "志愿者", "phone": "13800000001", "skills": [s.pk for s in skills]}
    client.post(reverse("members:me-edit"), data)
    response = client.post(reverse("members:me-edit"), data)
    assert response.status_code == 429
    assert set(response.context["form"].initial["skills"]) == {str(s.pk) for s in skills}
