"""Language per person (issue 8, item 5): a logged-in user's choice is kept on the account,
follows them to another browser, and every email goes out in the recipient's language."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from groups import services as group_services
from members.models import User
from members.services import member_email, recipient_language
from tests.factories import MemberFactory, MembershipFactory, UserFactory

PASSWORD = "correct horse battery staple"
COOKIE = "django_language"


def switch(client, language):
    return client.post(reverse("set_language"), {"language": language, "next": "/"})


def text_in(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


# --- The switcher keeps the choice on the account --------------------------------------------


def test_the_switcher_keeps_a_logged_in_users_choice_on_the_account(client, volunteer):
    client.force_login(volunteer)
    response = switch(client, "en")
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.language == "en"
    assert response.cookies[COOKIE].value == "en"
    switch(client, "zh-hans")
    volunteer.refresh_from_db()
    assert volunteer.language == "zh-hans"


def test_a_visitors_choice_stays_in_the_cookie(client, db):
    response = switch(client, "en")
    assert response.cookies[COOKIE].value == "en"
    assert not User.objects.exclude(language="").exists()


def test_an_unknown_language_changes_nothing(client, volunteer):
    client.force_login(volunteer)
    switch(client, "fr")
    volunteer.refresh_from_db()
    assert volunteer.language == ""
    client.get(reverse("set_language"))  # a GET neither
    volunteer.refresh_from_db()
    assert volunteer.language == ""


def test_the_accounts_language_follows_the_user_to_another_browser(client, volunteer):
    User.objects.filter(pk=volunteer.pk).update(language="en")
    client.force_login(volunteer)  # a fresh browser: no language cookie
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()
    assert response.cookies[COOKIE].value == "en"  # and the browser learns it


def test_the_account_wins_over_an_old_cookie(client, volunteer):
    User.objects.filter(pk=volunteer.pk).update(language="en")
    client.cookies[COOKIE] = "zh-hans"
    client.force_login(volunteer)
    assert '<html lang="en">' in client.get("/").content.decode()


def test_without_a_choice_on_the_account_the_cookie_decides(client, volunteer):
    client.cookies[COOKIE] = "en"
    client.force_login(volunteer)
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()
    assert COOKIE not in response.cookies  # nothing to correct


def test_logging_in_sets_the_accounts_language(client, db):
    user = UserFactory(username="lihua", language="en")
    client.cookies[COOKIE] = "zh-hans"
    response = client.post(reverse("login"), {"username": "lihua", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert response.wsgi_request.user == user
    # After logging out the pages stay in the language the person chose.
    client.post(reverse("logout"))
    assert '<html lang="en">' in client.get("/").content.decode()


def test_a_language_chosen_before_logging_in_is_kept_on_an_account_without_one(client, db):
    user = UserFactory(username="wangfang", language="")
    client.cookies[COOKIE] = "en"
    client.post(reverse("login"), {"username": "wangfang", "password": PASSWORD})
    user.refresh_from_db()
    assert user.language == "en"  # so their emails are English too


def test_an_accounts_own_choice_is_not_overwritten_at_login(client, db):
    user = UserFactory(username="zhaolei", language="zh-hans")
    client.cookies[COOKIE] = "en"
    client.post(reverse("login"), {"username": "zhaolei", "password": PASSWORD})
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_the_language_is_editable_in_admin(admin_client, volunteer):
    html = admin_client.get(reverse("admin:members_user_change", args=[volunteer.pk]))
    assert 'name="language"' in html.content.decode()


# --- Emails in the recipient's language ------------------------------------------------------


@pytest.fixture
def english_applicant(ecommerce):
    user = UserFactory(username="english", language="en")
    member = MemberFactory(user=user, full_name="Anna", email="anna@example.com")
    return MembershipFactory(member=member, group=ecommerce, status="applied")


@pytest.fixture
def chinese_applicant(ecommerce):
    user = UserFactory(username="chinese", language="zh-hans")
    member = MemberFactory(user=user, full_name="李华", email="lihua@example.com")
    return MembershipFactory(member=member, group=ecommerce, status="applied")


def approve(client, membership, django_capture_on_commit_callbacks):
    url = reverse("groups:application-decide", args=["ecommerce", membership.pk, "approve"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    (message,) = mail.outbox
    return message


def test_an_english_speaking_member_gets_english_mail_from_a_chinese_coordinator(
    client, coordinator, english_applicant, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    client.cookies[COOKIE] = "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/").content.decode()
    message = approve(client, english_applicant, django_capture_on_commit_callbacks)
    assert message.subject == "Welcome to the E-commerce Training Service Group"
    assert message.body.startswith("Dear Anna,")


def test_a_chinese_speaking_member_gets_chinese_mail_from_an_english_coordinator(
    client, coordinator, chinese_applicant, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=coordinator.pk).update(language="en")
    client.force_login(coordinator)
    assert '<html lang="en">' in client.get("/").content.decode()
    message = approve(client, chinese_applicant, django_capture_on_commit_callbacks)
    assert message.subject == "欢迎加入电商培训服务团"
    assert "李华" in message.body and "Dear" not in message.body


def test_a_member_without_a_choice_gets_mail_in_the_portals_language(
    client, coordinator, ecommerce, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=coordinator.pk).update(language="en")
    applicant = MembershipFactory(
        group=ecommerce, status="applied", member=MemberFactory(user=UserFactory(username="x"))
    )
    client.force_login(coordinator)
    message = approve(client, applicant, django_capture_on_commit_callbacks)
    assert message.subject == "欢迎加入电商培训服务团"


def test_the_language_costs_no_query_when_the_caller_loaded_the_account(
    english_applicant, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from members.models import Member

    member = Member.objects.select_related("user").get(pk=english_applicant.member_id)
    with django_assert_num_queries(0):
        assert recipient_language(member) == "en"
    # (writing the email itself is one outbox row, and its delivery after the commit)
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        member_email(member, "membership_approved", {"membership": english_applicant})
    assert mail.outbox[0].subject.startswith("Welcome")


def test_bulk_approval_writes_to_each_in_their_own_language(
    admin_user, english_applicant, chinese_applicant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        group_services.memberships_approve(
            actor=admin_user, membership_ids=[english_applicant.pk, chinese_applicant.pk]
        )
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {
        "anna@example.com": "Welcome to the E-commerce Training Service Group",
        "lihua@example.com": "欢迎加入电商培训服务团",
    }


def test_the_password_reset_mail_uses_the_accounts_language(
    client, db, django_capture_on_commit_callbacks
):
    UserFactory(username="anna", email="anna@example.com", language="en")
    client.cookies[COOKIE] = "zh-hans"  # asked from a Chinese page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "anna@example.com"})
    (message,) = mail.outbox
    expected = (
        "Someone asked to reset the password of your volunteer portal account. If it was "
        "you, open this link to choose a new password:"
    )
    assert expected in message.body
    assert text_in("zh-hans", expected) != expected  # the Chinese text exists: a real choice


@pytest.mark.parametrize(("page_language", "kept"), [("en", "en"), ("zh-hans", ""), (None, "")])
def test_a_new_account_keeps_the_language_it_was_created_in(client, db, page_language, kept):
    """Signing up on English pages means English emails, without a trip to the switcher."""
    if page_language:
        client.cookies[COOKIE] = page_language
    response = client.post(
        reverse("signup"),
        {
            "full_name": "Anna",
            "phone": "13912345678",
            "email": "anna@example.com",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="13912345678").language == kept


def test_accepting_an_invitation_on_english_pages_keeps_english(client, coordinator, ecommerce):
    from members.services import invitation_create

    member = MemberFactory(phone="13912345678")
    MembershipFactory(member=member, group=ecommerce)
    invitation = invitation_create(actor=coordinator, member=member, channel="in_person")
    client.cookies[COOKIE] = "en"
    url = reverse("invitation-accept", args=[invitation.token])
    client.post(url, {"password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"})
    member.refresh_from_db()
    assert member.user.language == "en"


def test_an_email_subject_is_one_line_of_plain_text(volunteer, django_capture_on_commit_callbacks):
    """A title with an ampersand and a line break (pasted from elsewhere) gives a valid
    subject that reads as written."""
    from django.core import mail

    from activities.models import SignUp
    from members.services import member_email
    from tests.factories import ActivityFactory

    member = volunteer.member
    member.email = "vol@example.com"
    member.save()
    activity = ActivityFactory(title="税务 & 法律\r\n咨询日")
    signup = SignUp(activity=activity, member=member)
    with django_capture_on_commit_callbacks(execute=True):
        member_email(member, "place_confirmed", {"signup": signup, "activity": activity})
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert "税务 & 法律 咨询日" in message.subject and "&amp;" not in message.subject


def test_every_email_template_is_plain_text():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "templates" / "emails"
    for template in folder.glob("*.txt"):
        assert "{% autoescape off %}" in template.read_text(), template.name
