"""While the database is down, a request answers 503 (the portal's own page, Retry-After,
"your action may not have been saved, check My page"), not 500, and mails the admins
once per outage, not once per request.

Two ways to take the database away: a connection wrapper (Django's hook for every query)
that raises OperationalError, which runs on SQLite too; and, on PostgreSQL, the real
connection pointed at a port where nothing listens."""

import logging

import pytest
from django.core import mail
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from activities.models import SignUp
from tests.factories import ActivityFactory, MemberFactory, UserFactory

PASSWORD = "correct horse battery staple"  # the factories' password


def _database_down(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


def _connection_closed(execute, sql, params, many, context):
    raise InterfaceError("connection already closed")


def assert_unavailable_page(response, language="zh-hans", logged_in=False):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Language"] == language
    page = response.content.decode()
    if language == "en":
        assert "The portal is briefly unavailable" in page
        assert "may not have been saved" in page
        assert "My page" in page
    assert f'<html lang="{language}">' in page
    assert ">503<" in page
    assert (f'href="{reverse("me")}"' in page) == logged_in  # "My page" only when it may work
    return page


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Admin", "admin@example.com")]


@pytest.fixture
def volunteer_with_activity(ecommerce):
    user = UserFactory(username="vol-down")
    MemberFactory(user=user)
    return user, ActivityFactory(capacity=50)


def test_an_anonymous_page_answers_503_and_mails_the_admins_once(client, db, admins, caplog):
    client.cookies["django_language"] = "en"
    with caplog.at_level(logging.WARNING), connection.execute_wrapper(_database_down):
        for _ in range(20):  # an outage: many requests, one email
            response = client.get("/")
    page = assert_unavailable_page(response, language="en")
    assert 'href="/"' in page  # try again: the same address
    assert len(mail.outbox) == 1 and "Database unavailable" in mail.outbox[0].subject
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 20 and all("503" in r.getMessage() for r in records)
    assert {r.name for r in records} == {"volunteer_portal.database"}  # not django.request


def test_a_login_post_answers_503(client, db, admins):
    UserFactory(username="someone")
    with connection.execute_wrapper(_connection_closed):
        response = client.post(reverse("login"), {"username": "someone", "password": PASSWORD})
    assert_unavailable_page(response)
    assert len(mail.outbox) == 1  # the admins hear of the outage, once
    # and once the database is back, the same login works
    response = client.post(reverse("login"), {"username": "someone", "password": PASSWORD})
    assert response.status_code == 302


def test_a_sign_up_post_answers_503_and_is_not_saved(db, admins, volunteer_with_activity):
    """A logged-in user's session is loaded in a middleware (the language follows the
    account), so the failure surfaces there, outside any view."""
    user, activity = volunteer_with_activity
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    activity_page = f"http://testserver{reverse('activities:activity-detail', args=[activity.pk])}"
    with connection.execute_wrapper(_database_down):
        response = client.post(
            reverse("activities:signup", args=[activity.pk]), HTTP_REFERER=activity_page
        )
    page = assert_unavailable_page(response, language="en", logged_in=True)
    assert f'href="{activity_page}"' in page  # back to the activity, to check there
    assert "Try again" not in page  # a POST is not repeated by a link
    assert len(mail.outbox) == 1  # the admins hear of the outage, once
    assert not SignUp.objects.filter(activity=activity).exists()
    # The database is back: the sign-up goes through.
    response = client.post(reverse("activities:signup", args=[activity.pk]))
    assert response.status_code == 302
    assert SignUp.objects.filter(activity=activity, member__user=user).exists()


def test_other_errors_still_answer_500_and_mail_the_admins(db, admins):
    def broken(execute, sql, params, many, context):
        raise ZeroDivisionError("a bug, not an outage")

    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(broken):
        response = client.get("/")
    assert response.status_code == 500
    assert len(mail.outbox) == 1


@pytest.mark.postgres  # an in-memory SQLite test database cannot be made to go away
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_postgresql_unreachable_pages_login_and_sign_up_answer_503(admins):
    """The real connection pointed at a port where no database listens."""
    from tests.conftest import shipped_group

    shipped_group("ecommerce")
    user = UserFactory(username="vol-pg-down")
    MemberFactory(user=user)
    activity = ActivityFactory(capacity=50)
    UserFactory(username="someone")
    anonymous = Client()
    volunteer = Client(raise_request_exception=False)
    volunteer.force_login(user)

    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        home = anonymous.get("/")
        login = anonymous.post(reverse("login"), {"username": "someone", "password": PASSWORD})
        signup = volunteer.post(reverse("activities:signup", args=[activity.pk]))
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(saved)
    for response in (home, login):
        assert_unavailable_page(response)
    assert_unavailable_page(signup, logged_in=True)
    assert len(mail.outbox) == 1  # the admins hear of the outage, once
    assert not SignUp.objects.filter(activity=activity).exists()
    # recovered: the same sign-up goes through
    assert volunteer.post(reverse("activities:signup", args=[activity.pk])).status_code == 302
    assert SignUp.objects.filter(activity=activity, member__user=user).exists()
