"""Invitations: a member added by a coordinator or an import gets an account (issue 8, item 4).

A coordinator of one of the member's groups (or an admin) sends an invitation by email or
shows a link and QR code; the link is signed, single-use and expires; the person chooses a
password and the new account is bound to the existing record.
"""

import datetime

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from groups.models import Membership
from members import services
from members.models import Invitation, Member, User
from tests.conftest import ROLES
from tests.factories import MemberFactory, MembershipFactory, UserFactory

PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def invitee(ecommerce) -> Member:
    """Added by a coordinator: in the e-commerce group, no account."""
    member = MemberFactory(full_name="王小梅", phone="13912345678", email="xiaomei@example.com")
    MembershipFactory(member=member, group=ecommerce)
    return member


def zh(text: str) -> str:
    """A message as the portal's default language shows it."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def in_english(client):
    client.cookies["django_language"] = "en"
    return client


def invite(actor, member, channel="in_person") -> Invitation:
    return services.invitation_create(actor=actor, member=member, channel=channel)


def accept_url(invitation) -> str:
    return reverse("invitation-accept", args=[invitation.token])


def accept(client, invitation, password=PASSWORD):
    return client.post(accept_url(invitation), {"password1": password, "password2": password})


# --- Creating an invitation: role and state ---------------------------------------------------


def test_a_coordinator_invites_a_member_of_their_group(coordinator, invitee):
    before = timezone.now()
    invitation = invite(coordinator, invitee)
    assert invitation.member == invitee
    assert invitation.created_by == coordinator
    assert invitation.channel == Invitation.Channel.IN_PERSON
    assert invitation.is_open and invitation.used_at is None
    expected = before + datetime.timedelta(days=14)
    assert abs(invitation.expires_at - expected) < datetime.timedelta(minutes=1)
    assert invitation.history.latest().history_change_reason == "created"


def test_the_validity_comes_from_the_setting(coordinator, invitee, settings):
    settings.INVITATION_MAX_AGE_DAYS = 3
    invitation = invite(coordinator, invitee)
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=3)


def test_an_email_invitation_is_sent_after_commit_with_a_working_link(
    coordinator, invitee, client, django_capture_on_commit_callbacks
):
    coordinator.first_name = "王思琪"
    coordinator.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(coordinator, invitee, channel="email")
    assert mail.outbox == []  # nothing leaves before the data is saved
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["xiaomei@example.com"]
    # The member has no account, so no language of their own: the portal's default.
    assert message.subject == "漳州市新的社会阶层人士志愿服务团：志愿服务平台账号邀请"
    # Who invites, and on behalf of which organisation: not a message from nowhere.
    assert "王思琪 已将您加入" in message.body
    assert "漳州市新的社会阶层人士志愿服务团" in message.body
    assert accept_url(invitation) in message.body
    assert "139****5678" in message.body and "13912345678" not in message.body
    assert client.get(accept_url(invitation)).status_code == 200


@pytest.mark.parametrize(
    ("change", "channel", "code"),
    [
        ({"status": Member.Status.INACTIVE}, "in_person", "inactive"),
        ({"phone": ""}, "in_person", "no_phone"),
        ({"email": ""}, "email", "no_email"),
    ],
)
def test_the_members_state_decides_whether_it_can_be_invited(
    coordinator, invitee, change, channel, code
):
    Member.objects.filter(pk=invitee.pk).update(**change)
    invitee.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        invite(coordinator, invitee, channel)
    assert error.value.code == code
    assert not Invitation.objects.exists()


def test_a_member_with_an_account_is_not_invited(coordinator, volunteer, ecommerce):
    MembershipFactory(member=volunteer.member, group=ecommerce)
    with pytest.raises(ValidationError) as error:
        invite(coordinator, volunteer.member)
    assert error.value.code == "has_account"


def test_an_unknown_channel_is_refused(coordinator, invitee):
    with pytest.raises(ValidationError):
        invite(coordinator, invitee, "carrier-pigeon")


def test_without_email_only_the_in_person_invitation_is_offered(client, coordinator, invitee):
    Member.objects.filter(pk=invitee.pk).update(email="")
    client.force_login(coordinator)
    html = client.get(reverse("members:member-detail", args=[invitee.pk])).content.decode()
    assert 'value="in_person"' in html
    assert 'value="email"' not in html


@pytest.mark.parametrize(
    "who", ["volunteer", "other_coordinator", "staff", "left_group_coordinator"]
)
def test_only_the_groups_coordinators_and_admins_may_invite(
    request, who, invitee, culture, ecommerce
):
    if who == "left_group_coordinator":
        # Coordinates culture, where the member's membership has ended: no power any more.
        MembershipFactory(member=invitee, group=culture, status=Membership.Status.LEFT)
        actor = request.getfixturevalue("other_coordinator")
    else:
        actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        invite(actor, invitee)
    assert not Invitation.objects.exists()


def test_an_admin_may_invite_anyone(admin_user, invitee):
    assert invite(admin_user, invitee).created_by == admin_user


INVITE_OUTCOME = {
    "anonymous": "login",
    "volunteer": 404,
    "coordinator": "created",
    "other_coordinator": 404,
    "staff": 404,
    "admin": "created",
}


@pytest.mark.parametrize("channel", ["email", "in_person"])
@pytest.mark.parametrize("role", ROLES)
def test_the_invite_buttons_answer_each_role(
    role, channel, client_for, coordinator, other_coordinator, invitee
):
    response = client_for(role).post(
        reverse("members:member-invite", args=[invitee.pk]), {"channel": channel}
    )
    expected = INVITE_OUTCOME[role]
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif expected == "created":
        invitation = Invitation.objects.get(member=invitee)
        assert invitation.channel == channel
        target = (
            reverse("members:invitation-detail", args=[invitation.pk])
            if channel == "in_person"
            else reverse("members:member-detail", args=[invitee.pk])
        )
        assert response.status_code == 302 and response["Location"] == target
    else:
        assert response.status_code == expected
    assert Invitation.objects.exists() == (expected == "created")
    assert len(mail.outbox) == 0  # the test's transaction never commits


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing_answers_each_role(
    role, client_for, coordinator, other_coordinator, invitee, admin_user
):
    invitation = invite(admin_user, invitee)
    response = client_for(role).post(reverse("members:invitation-revoke", args=[invitation.pk]))
    allowed = role in ("coordinator", "admin")
    if role == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    elif allowed:
        assert response["Location"] == reverse("members:member-detail", args=[invitee.pk])
    else:
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert (invitation.state() == "revoked") == allowed


def test_a_new_invitation_supersedes_the_earlier_one(client, coordinator, invitee):
    first = invite(coordinator, invitee, "email")
    second = invite(coordinator, invitee)
    first.refresh_from_db()
    assert first.state() == Invitation.State.SUPERSEDED
    assert second.is_open
    assert list(Invitation.objects.pending()) == [second]
    page = client.get(accept_url(first)).content.decode()
    assert 'data-problem="superseded"' in page
    assert zh("A newer invitation replaced this one.") in page
    assert 'name="password1"' not in page
    assert 'name="password1"' in client.get(accept_url(second)).content.decode()


def test_the_database_allows_one_pending_invitation_per_member(coordinator, invitee):
    from django.db import IntegrityError, transaction

    first = invite(coordinator, invitee)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            member=invitee, channel="email", expires_at=first.expires_at, created_by=coordinator
        )


# --- The member's page and the in-person page ----------------------------------------------


def test_the_member_page_shows_the_account_state_and_buttons_that_work(
    client, coordinator, invitee
):
    from tests.test_buttons_work import press_every_button

    url = reverse("members:member-detail", args=[invitee.pk])
    page = press_every_button(client, coordinator, url, at_least=2)
    invite_url = reverse("members:member-invite", args=[invitee.pk])
    assert {b.value for b in page.form_for(invite_url).buttons} == {"email", "in_person"}
    assert "No account yet" in in_english(client).get(url).content.decode()

    invitation = invite(coordinator, invitee)
    page = press_every_button(client, coordinator, url, at_least=3)
    assert reverse("members:invitation-revoke", args=[invitation.pk]) in page.actions
    html = client.get(url).content.decode()
    assert reverse("members:invitation-detail", args=[invitation.pk]) in html
    assert timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d") in html


def test_the_link_page_is_for_the_inviter_only_and_changes_nothing(
    client, coordinator, invitee, ecommerce, admin_user
):
    from tests.conftest import make_coordinator

    invitation = invite(coordinator, invitee)
    url = reverse("members:invitation-detail", args=[invitation.pk])
    client.force_login(coordinator)
    before = list(Invitation.objects.values())
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and invitation.token in html
    assert list(Invitation.objects.values()) == before  # a page never writes

    colleague = make_coordinator(ecommerce, "colleague")  # same group, not the inviter
    client.force_login(colleague)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert client.get(url).status_code == 403


def test_the_link_page_of_an_email_invitation_shows_no_link(client, coordinator, invitee):
    invitation = invite(coordinator, invitee, "email")
    client.force_login(coordinator)
    response = client.get(reverse("members:invitation-detail", args=[invitation.pk]))
    assert response.status_code == 403


def test_the_link_page_of_a_used_invitation_shows_no_link(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    accept(client, invitation)
    client.force_login(coordinator)
    html = client.get(reverse("members:invitation-detail", args=[invitation.pk])).content.decode()
    assert invitation.token not in html and "<svg" not in html
    assert 'id="invitation-closed"' in html


# --- Accepting ---------------------------------------------------------------------------


def test_accepting_creates_an_account_bound_to_the_record_and_logs_in(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    page = client.get(accept_url(invitation)).content.decode()
    assert "王小梅" in page and "139****5678" in page and "13912345678" not in page

    response = accept(client, invitation)
    assert response.status_code == 302 and response["Location"] == reverse("me")
    invitee.refresh_from_db()
    user = invitee.user
    assert user.username == "13912345678" and user.check_password(PASSWORD)
    assert user.email == "xiaomei@example.com" and user.first_name == "王小梅"
    assert response.wsgi_request.user == user
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.USED
    assert invitee.history.latest().history_change_reason == "account from invitation"
    assert client.get(reverse("me")).status_code == 200
    # And from now on the phone and the password log in.
    client.logout()
    client.post(reverse("login"), {"username": "13912345678", "password": PASSWORD})
    assert client.get(reverse("me")).status_code == 200


def test_a_link_works_only_once(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    accept(client, invitation)
    client.logout()
    response = accept(client, invitation, "another-long-pass-phrase")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-problem="used"' in html and 'name="password1"' not in html
    assert User.objects.filter(username="13912345678").count() == 1
    assert User.objects.get(username="13912345678").check_password(PASSWORD)


def test_the_service_checks_again_under_its_lock(coordinator, invitee):
    """Two people submit the same link: the second, holding a stale copy, is refused."""
    from django.contrib.auth.models import AnonymousUser

    invitation = invite(coordinator, invitee)
    stale = Invitation.objects.get(pk=invitation.pk)
    services.invitation_accept(actor=AnonymousUser(), invitation=invitation, password=PASSWORD)
    with pytest.raises(ValidationError) as error:
        services.invitation_accept(actor=AnonymousUser(), invitation=stale, password=PASSWORD)
    assert error.value.code == "used"
    assert User.objects.filter(member=invitee).count() == 1


def test_an_expired_link_explains_and_creates_nothing(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=15),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    for response in (client.get(accept_url(invitation)), accept(client, invitation)):
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-problem="expired"' in html
        assert zh("Ask your coordinator for a new invitation.") in html
        assert 'name="password1"' not in html
    assert not User.objects.filter(username=invitee.phone).exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature
        lambda token: "x" + token,  # payload
        lambda token: "bad-token",
        lambda token: "",  # not even a token: the URL does not match, 404
        lambda token: signing.Signer(salt="members.invitation").sign_object({"i": 10**9}),
        lambda token: signing.Signer(salt="members.invitation").sign_object("a string"),
        lambda token: signing.Signer(salt="other").sign_object({"i": 1, "k": "x"}),
        lambda token: signing.Signer(key="another secret", salt="members.invitation").sign_object(
            {"i": 1, "k": "x"}
        ),
    ],
)
def test_a_tampered_link_explains_and_creates_nothing(client, coordinator, invitee, tamper):
    invitation = invite(coordinator, invitee)
    token = tamper(invitation.token)
    if not token:
        assert client.get("/accounts/invitation//").status_code == 404
        return
    url = reverse("invitation-accept", args=[token])
    for response in (client.get(url), client.post(url, {"password1": PASSWORD})):
        assert response.status_code == 200
        assert 'data-problem="invalid"' in response.content.decode()
    assert not User.objects.filter(username=invitee.phone).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_a_token_for_another_row_with_a_guessed_key_is_refused(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    forged = signing.Signer(salt="members.invitation").sign_object(
        {"i": invitation.pk, "k": "guess"}
    )
    html = client.get(reverse("invitation-accept", args=[forged])).content.decode()
    assert 'data-problem="invalid"' in html


def test_a_withdrawn_link_explains(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    services.invitation_revoke(actor=coordinator, invitation=invitation)
    html = client.get(accept_url(invitation)).content.decode()
    assert 'data-problem="revoked"' in html


def test_a_member_who_got_an_account_meanwhile_is_not_bound_again(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    other = UserFactory(username="linked-by-admin")
    Member.objects.filter(pk=invitee.pk).update(user=other)
    response = accept(client, invitation)
    assert 'data-problem="has_account"' in response.content.decode()
    invitee.refresh_from_db()
    assert invitee.user == other
    assert not User.objects.filter(username=invitee.phone).exists()


def test_a_logged_in_user_is_asked_to_log_out_first(client, coordinator, invitee, volunteer):
    invitation = invite(coordinator, invitee)
    client.force_login(volunteer)
    html = client.get(accept_url(invitation)).content.decode()
    assert 'id="logged-in-warning"' in html and 'name="password1"' not in html
    response = accept(client, invitation)  # the service refuses too
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'id="logged-in-warning"' in response.content.decode()
    invitee.refresh_from_db()
    assert invitee.user is None
    assert response.wsgi_request.user == volunteer


def test_a_weak_or_mistyped_password_is_refused_with_a_form_error(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    for data in (
        {"password1": "13912345678", "password2": "13912345678"},  # numeric, the username
        {"password1": "short", "password2": "short"},
        {"password1": PASSWORD, "password2": PASSWORD + "x"},
    ):
        response = client.post(accept_url(invitation), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    invitee.refresh_from_db()
    assert invitee.user is None
    invitation.refresh_from_db()
    assert invitation.is_open


# --- The roster and the audit trail ------------------------------------------------------------


def test_the_roster_shows_who_has_an_account_and_who_was_invited(
    client, coordinator, ecommerce, volunteer, invitee
):
    MembershipFactory(member=volunteer.member, group=ecommerce)
    never = MemberFactory(full_name="未邀请")
    MembershipFactory(member=never, group=ecommerce)
    lapsed = MemberFactory(full_name="邀请过期")
    MembershipFactory(member=lapsed, group=ecommerce)
    invitation = invite(coordinator, invitee)
    old = invite(coordinator, lapsed)
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20),
        expires_at=timezone.now() - datetime.timedelta(days=6),
    )
    client.force_login(coordinator)
    response = in_english(client).get(reverse("groups:roster", args=["ecommerce"]))
    rows = {m.pk: m for m in response.context["members"]}
    assert rows[invitee.pk].invitation_open and rows[invitee.pk].invited_at
    assert rows[lapsed.pk].invited_at and not rows[lapsed.pk].invitation_open
    assert rows[never.pk].invited_at is None

    html = response.content.decode()
    day = timezone.localtime(invitation.created_at).strftime("%Y-%m-%d")
    expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")
    assert f"Invited on {day}" in html and f"(expires {expires})" in html
    assert "Has an account" in html and "No account" in html and "Invitation expired" in html


def test_the_roster_costs_the_same_queries_with_invitations_for_5_and_40(
    client, coordinator, ecommerce
):
    url = reverse("groups:roster", args=["ecommerce"])
    client.force_login(coordinator)

    def grow(n):
        for _ in range(n):
            member = MemberFactory()
            MembershipFactory(member=member, group=ecommerce)
            invite(coordinator, member)
        MembershipFactory(group=ecommerce, member=MemberFactory(user=UserFactory()))

    grow(5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(35)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


def test_the_member_page_trail_shows_the_invitation(client, coordinator, invitee):
    invite(coordinator, invitee, "email")
    invite(coordinator, invitee)
    client.force_login(coordinator)
    url = reverse("members:member-detail", args=[invitee.pk])
    trail = in_english(client).get(url).context["audit_trail"]
    described = [(e.what, e.reason) for e in trail if e.what.startswith("invitation")]
    assert described == [
        ("invitation · in person (link or QR code)", "invitation created"),
        ("invitation · by email", "invitation replaced by a newer one"),
        ("invitation · by email", "invitation created"),
    ]


def test_invitations_are_read_only_in_admin(admin_client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    assert admin_client.get(reverse("admin:members_invitation_changelist")).status_code == 200
    change = reverse("admin:members_invitation_change", args=[invitation.pk])
    assert admin_client.get(change).status_code == 200
    admin_client.post(change, {"channel": "email"})
    invitation.refresh_from_db()
    assert invitation.channel == "in_person"
    assert admin_client.get(reverse("admin:members_invitation_add")).status_code == 403
    delete = reverse("admin:members_invitation_delete", args=[invitation.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_accepting_the_same_link_at_once_make_one_account():
    import threading

    from django.contrib.auth.models import AnonymousUser

    from tests.conftest import make_coordinator
    from tests.factories import ServiceGroupFactory

    # Its own group: a transactional test cannot count on the migrations' rows, which an
    # earlier live-server test in the same worker may have flushed.
    group = ServiceGroupFactory()
    coordinator = make_coordinator(group, "racecoord")
    member = MemberFactory(phone="13912345678")
    MembershipFactory(member=member, group=group)
    invitation = invite(coordinator, member)
    barrier = threading.Barrier(4)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            services.invitation_accept(
                actor=AnonymousUser(), invitation=invitation, password=PASSWORD
            )
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok", "used", "used", "used"]
    assert User.objects.filter(username="13912345678").count() == 1
    member.refresh_from_db()
    assert member.user is not None


# --- A link that may have gone to the wrong person stops working ------------------------------


def test_correcting_the_email_withdraws_the_pending_invitation(coordinator, invitee):
    invitation = invite(coordinator, invitee, channel="email")
    services.member_update(actor=coordinator, member=invitee, fields={"email": "right@example.com"})
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.REVOKED
    assert services.invitation_problem(invitation) is not None


def test_an_unrelated_change_keeps_the_invitation(coordinator, invitee):
    invitation = invite(coordinator, invitee, channel="email")
    services.member_update(actor=coordinator, member=invitee, fields={"employer": "新单位"})
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.OPEN


def test_deactivating_withdraws_the_pending_invitation_and_reactivating_does_not_revive_it(
    coordinator, invitee
):
    invitation = invite(coordinator, invitee)
    services.member_set_status(actor=coordinator, member=invitee, status=Member.Status.INACTIVE)
    services.member_set_status(actor=coordinator, member=invitee, status=Member.Status.ACTIVE)
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.REVOKED


def test_an_import_that_changes_the_email_withdraws_the_pending_invitation(
    coordinator, invitee, ecommerce
):
    import tablib

    from groups.imports import roster_import

    invitation = invite(coordinator, invitee, channel="email")
    dataset = tablib.Dataset(headers=["姓名", "手机号", "电子邮箱"])
    dataset.append(["王小梅", invitee.phone, "new@example.com"])
    report = roster_import(actor=coordinator, group=ecommerce, dataset=dataset, dry_run=False)
    assert report.committed
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.REVOKED


def test_invitation_pages_are_never_cached(client, coordinator, invitee):
    invitation = invite(coordinator, invitee)
    assert "no-store" in client.get(accept_url(invitation))["Cache-Control"]
    client.force_login(coordinator)
    page = client.get(reverse("members:invitation-detail", args=[invitation.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]


def test_a_non_positive_invitation_age_is_a_configuration_error(settings):
    from volunteer_portal.apps import invitation_age_is_positive

    settings.INVITATION_MAX_AGE_DAYS = 0
    assert [e.id for e in invitation_age_is_positive(None)] == ["volunteer_portal.E003"]
    settings.INVITATION_MAX_AGE_DAYS = 14
    assert invitation_age_is_positive(None) == []


def test_the_change_history_reads_as_people_write_it(client, coordinator, invitee):
    """Times as the page shows them (local, to the minute), an account as set rather than
    its database id, and the person who acted by name."""
    coordinator.first_name = "王思琪"
    coordinator.save()
    from django.contrib.auth.models import AnonymousUser

    invitation = invite(coordinator, invitee)
    services.invitation_accept(actor=AnonymousUser(), invitation=invitation, password=PASSWORD)
    client.force_login(coordinator)
    page = client.get(reverse("members:member-detail", args=[invitee.pk])).content.decode()
    history = page[page.index('id="audit-heading"') :]
    assert "+00:00" not in history and ".%06d" not in history
    used = timezone.localtime(Invitation.objects.get(pk=invitation.pk).used_at)
    assert used.strftime("%Y-%m-%d %H:%M") in history
    assert "王思琪" in history
    # The account's field shows that it is set, not the account's database id.
    account_row = history.split(str(User._meta.get_field("username").verbose_name))[0]
    assert "✓" in history and "→ ✓" in history
    assert account_row


def test_an_admin_changing_the_email_withdraws_the_pending_invitation(
    rf, admin_user, coordinator, invitee
):
    """Django admin's change form saves through MemberAdmin.save_model."""
    from django.contrib import admin

    invitation = invite(coordinator, invitee, channel="email")
    model_admin = admin.site._registry[Member]
    request = rf.post("/admin/")
    request.user = admin_user
    form_class = model_admin.get_form(request, invitee, change=True)
    unbound = form_class(instance=invitee)
    data = {name: unbound[name].value() for name in unbound.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data["email"] = "someone-else@example.com"
    form = form_class(data, instance=invitee)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.REVOKED


def test_an_admin_import_that_changes_the_email_withdraws_the_pending_invitation(
    admin_user, coordinator, invitee
):
    import tablib

    from members.resources import MemberResource

    invitation = invite(coordinator, invitee, channel="email")
    dataset = tablib.Dataset(headers=["姓名", "手机号", "电子邮箱"])
    dataset.append(["王小梅", invitee.phone, "other@example.com"])
    result = MemberResource(actor=admin_user, reveal_national_id=True).import_data(
        dataset, dry_run=False, use_transactions=True
    )
    assert not result.has_errors() and not result.has_validation_errors()
    invitation.refresh_from_db()
    assert invitation.state() == Invitation.State.REVOKED


def test_merging_withdraws_the_invitations_of_both_records(admin_user, coordinator, invitee):
    duplicate = MemberFactory(full_name="王小梅", phone="13912345679", email="dup@example.com")
    MembershipFactory(member=duplicate, group=invitee.memberships.first().group)
    kept_invitation = invite(coordinator, invitee)
    dropped_invitation = invite(coordinator, duplicate, channel="email")
    services.member_merge(actor=admin_user, keep=invitee, drop=duplicate)
    for invitation in (kept_invitation, dropped_invitation):
        invitation.refresh_from_db()
        assert invitation.state() == Invitation.State.REVOKED
