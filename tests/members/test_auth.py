import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import MemberFactory, UserFactory

PASSWORD = "correct horse battery staple"


def test_login_with_username(client, db):
    UserFactory(username="xiaoming")
    response = client.post(reverse("login"), {"username": "xiaoming", "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_login_with_mobile_phone(client, db):
    user = UserFactory(username="xiaohong")
    MemberFactory(user=user, phone="13912345678")
    response = client.post(reverse("login"), {"username": "13912345678", "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user == user


def test_wrong_password_shows_an_error_and_does_not_log_in(client, db):
    user = UserFactory(username="xiaohong")
    MemberFactory(user=user, phone="13912345678")
    response = client.post(reverse("login"), {"username": "13912345678", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not response.wsgi_request.user.is_authenticated


def test_inactive_account_cannot_log_in_by_phone(client, db):
    user = UserFactory(username="gone", is_active=False)
    MemberFactory(user=user, phone="13912345678")
    response = client.post(reverse("login"), {"username": "13912345678", "password": PASSWORD})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_full_width_digits_are_not_a_phone(db):
    from django.core.exceptions import ValidationError

    member = MemberFactory.build(phone="1３８１２３４５６７８")
    with pytest.raises(ValidationError):
        member.full_clean()


def test_logout_is_a_post_and_a_get_only_shows_the_button(client, db):
    client.force_login(UserFactory())
    page = client.get(reverse("logout"))
    assert page.status_code == 200
    assert page.wsgi_request.user.is_authenticated  # a link alone never logs you out
    response = client.post(reverse("logout"), follow=True)
    assert not response.wsgi_request.user.is_authenticated
    assert "您已退出登录" in response.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(
    client, db, django_capture_on_commit_callbacks
):
    user = UserFactory(username="forgetful", email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-pass-42", "new_password2": "a-brand-new-pass-42"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-pass-42")


def test_password_change_rejects_a_mismatch_with_a_field_error(client, db):
    client.force_login(UserFactory())
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "abc-123-xyz!", "new_password2": "other"},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_a_phone_logs_in_however_it_was_typed(client, db):
    """As on sign-up: spaces, dashes and a +86 prefix are the same phone."""
    from django.urls import reverse

    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(username="typed")
    MemberFactory(user=user, phone="13912345678")
    for typed in ("+86 139 1234 5678", "139-1234-5678", "008613912345678"):
        client.logout()
        response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
        assert response.status_code == 302, typed
