"""Issue 9, findings 8 and 9: email goes through an outbox written with the action and sent
after the response, retried with back-off, never twice; admin error mail is throttled."""

import datetime
import logging
import socket
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from groups import services as group_services
from groups.models import Membership
from tests.factories import MemberFactory, MembershipFactory
from volunteer_portal.mail import deliver, queue_email
from volunteer_portal.models import OutgoingEmail


@pytest.fixture
def applicant(ecommerce):
    member = MemberFactory(email="anna@example.com", full_name="Anna")
    return MembershipFactory(member=member, group=ecommerce, status=Membership.Status.APPLIED)


@pytest.fixture
def refusing_mail_server(settings):
    """A real SMTP connection to a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    return port


@pytest.fixture
def hanging_mail_server(settings):
    """A server that accepts the connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.getsockname()[1]
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.close()


def approve(client, admin_user, applicant, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse(
                "groups:application-decide", args=[applicant.group.slug, applicant.pk, "approve"]
            )
        )


def test_a_refusing_mail_server_leaves_the_action_saved_and_the_email_waiting(
    client, admin_user, applicant, refusing_mail_server, django_capture_on_commit_callbacks
):
    response = approve(client, admin_user, applicant, django_capture_on_commit_callbacks)
    assert response.status_code == 302  # not a 500
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.ACTIVE
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.PENDING and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at > timezone.now()  # backed off


def test_a_hanging_mail_server_is_given_up_on_within_the_timeout(
    client, admin_user, applicant, hanging_mail_server, django_capture_on_commit_callbacks
):
    started = timezone.now()
    response = approve(client, admin_user, applicant, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert (timezone.now() - started).total_seconds() < 5
    assert "timed out" in OutgoingEmail.objects.get().last_error


def test_the_command_retries_with_back_off_and_sends_once(
    client,
    admin_user,
    applicant,
    refusing_mail_server,
    settings,
    django_capture_on_commit_callbacks,
):
    approve(client, admin_user, applicant, django_capture_on_commit_callbacks)
    call_command("send_outbox")  # not due yet: nothing tried
    assert OutgoingEmail.objects.get().attempts == 1
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_outbox")  # still refused: the wait grows
    email = OutgoingEmail.objects.get()
    assert email.attempts == 2
    assert email.next_attempt_at - timezone.now() > datetime.timedelta(minutes=4)
    # the mail server is back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_outbox")
    call_command("send_outbox")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.com"]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT


def test_after_the_last_attempt_the_email_is_given_up_and_logged(
    db, refusing_mail_server, settings, caplog
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    queue_email(to="a@example.com", subject="s", body="b")
    deliver()
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    with caplog.at_level(logging.ERROR, logger="volunteer_portal.mail"):
        deliver()
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.FAILED
    assert "given up" in caplog.text


def _deliver_in_thread():
    from django.db import connection

    try:
        deliver()
    finally:
        connection.close()


@pytest.mark.postgres  # SQLite's in-memory test database locks whole tables
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_at_once_send_each_email_once():
    for i in range(20):
        queue_email(to=f"p{i}@example.com", subject="s", body="b")
    OutgoingEmail.objects.update(status=OutgoingEmail.Status.PENDING, sent_at=None)
    mail.outbox.clear()
    threads = [threading.Thread(target=_deliver_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = sorted(message.to[0] for message in mail.outbox)
    assert sent == sorted(f"p{i}@example.com" for i in range(20))


def test_an_action_that_rolls_back_sends_nothing(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                queue_email(to="a@example.com", subject="s", body="b")
                raise RuntimeError("the action failed")
        except RuntimeError:
            pass
    assert not OutgoingEmail.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_password_reset_email_goes_after_the_response():
    """Looked up, written and sent from the response's close(), which the server calls once
    the page is out: inside the request, nothing has happened yet."""
    from tests.factories import UserFactory
    from tests.wsgi import wsgi_post

    UserFactory(username="anna", email="anna@example.com")
    response = wsgi_post(reverse("password_reset"), {"email": "anna@example.com"})
    assert response.status.startswith("302")
    assert not OutgoingEmail.objects.exists() and not mail.outbox
    response.close()
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
    assert mail.outbox[0].to == ["anna@example.com"]


def test_a_subject_with_a_line_break_and_an_ampersand_is_one_plain_line(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(to="a@example.com", subject="Tea & talk\nat 3 <pm>", body="b")
    assert mail.outbox[0].subject == "Tea & talk at 3 <pm>"


def test_bulk_approval_writes_its_emails_in_one_insert(
    admin_user, ecommerce, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    ids = [
        MembershipFactory(
            member=MemberFactory(email=f"m{i}@example.com"),
            group=ecommerce,
            status=Membership.Status.APPLIED,
        ).pk
        for i in range(30)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        group_services.memberships_approve(actor=admin_user, membership_ids=ids)
    assert OutgoingEmail.objects.count() == 30 and len(mail.outbox) == 30


# --- Finding 9: error mail to the admins ------------------------------------------------


def test_a_storm_of_the_same_error_sends_one_email_per_window(settings):
    settings.ADMINS = [("Admin", "admin@example.com")]
    logger = logging.getLogger("django.request")
    for _ in range(300):
        try:
            raise ConnectionError("the database went away")
        except ConnectionError:
            logger.error("Internal Server Error: /", exc_info=True)
    assert len(mail.outbox) == 1
    try:
        raise KeyError("something else")
    except KeyError:
        logger.error("Internal Server Error: /other/", exc_info=True)
    assert len(mail.outbox) == 2  # another kind of error is reported too


def test_the_same_error_is_reported_again_after_the_window(settings):
    from django.core.cache import cache

    settings.ADMINS = [("Admin", "admin@example.com")]
    logger = logging.getLogger("django.request")

    def fail():
        try:
            raise ConnectionError("down")
        except ConnectionError:
            logger.error("Internal Server Error: /", exc_info=True)

    fail()
    fail()
    cache.clear()  # the window has passed
    fail()
    assert len(mail.outbox) == 2


def test_a_hanging_mail_server_costs_one_timeout_not_one_per_email(
    db, hanging_mail_server, django_capture_on_commit_callbacks
):
    """A batch of five (a cancelled activity's sign-ups): the sender stops at the first
    timeout, and the next request leaves sending to the command for a minute."""
    from volunteer_portal.mail import email_batch

    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True), email_batch():
        for i in range(5):
            queue_email(to=f"p{i}@example.com", subject="s", body="b")
    assert (timezone.now() - started).total_seconds() < 2.5
    assert OutgoingEmail.objects.filter(attempts=1).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(to="later@example.com", subject="s", body="b")
    assert OutgoingEmail.objects.filter(attempts=0).count() == 5  # waiting for send_outbox


def test_a_sent_email_keeps_no_body_and_admin_never_shows_one(
    client, db, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_email(to="a@example.com", subject="Reset", body="https://x/reset/TOKEN-123/")
    assert mail.outbox[0].body == "https://x/reset/TOKEN-123/"
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.SENT and email.body == ""
    OutgoingEmail.objects.create(
        recipient="b@example.com", subject="s", body="PENDING-TOKEN", next_attempt_at=timezone.now()
    )
    client.force_login(admin_user)
    for pk in OutgoingEmail.objects.values_list("pk", flat=True):
        page = client.get(reverse("admin:volunteer_portal_outgoingemail_change", args=[pk]))
        assert page.status_code == 200 and "TOKEN" not in page.content.decode()


def test_only_those_who_may_change_emails_can_retry_them(client, db):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outgoingemail"))
    email = OutgoingEmail.objects.create(
        recipient="b@example.com",
        subject="s",
        body="b",
        next_attempt_at=timezone.now(),
        status=OutgoingEmail.Status.FAILED,
    )
    client.force_login(viewer)
    client.post(
        reverse("admin:volunteer_portal_outgoingemail_changelist"),
        {"action": "retry", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
