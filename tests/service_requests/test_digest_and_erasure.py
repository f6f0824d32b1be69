"""Issue 10: the overdue digest (to who can act, once a day) and the erasure of requesters'
personal data after REQUEST_ERASE_AFTER_DAYS (history included, figures kept)."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from service_requests.models import ServiceRequest

S = ServiceRequest.Status


SET_BY_OLD_REQUEST = ("phone", "email", "requester_name", "description")


def old_request(days_idle: int, **fields):
    request = ServiceRequest.objects.create(
        requester_name="林阿姨", phone="13712345678", email="lin@example.com",
        district="longwen", description="芦柑网上销售", **fields,
    )  # fmt: skip
    ServiceRequest.objects.filter(pk=request.pk).update(
        last_action_at=timezone.now() - datetime.timedelta(days=days_idle)
    )
    return request


def test_the_digest_goes_to_who_can_act_once_a_day(
    admin_user, coordinator, other_coordinator, ecommerce, django_capture_on_commit_callbacks
):
    triage = old_request(10)  # waits for an administrator
    dispatched = old_request(8, status=S.DISPATCHED, group=ecommerce)  # for its coordinator
    old_request(2, status=S.DISPATCHED, group=ecommerce)  # not overdue yet
    old_request(30, status=S.CLOSED, group=ecommerce)  # ended: never overdue
    with django_capture_on_commit_callbacks(execute=True):
        call_command("request_digest")
    by_person = {m.to[0]: m.body for m in mail.outbox}
    assert set(by_person) == {admin_user.email, coordinator.member.email}
    assert f"/requests/manage/{triage.pk}/" in by_person[admin_user.email]
    assert f"/requests/manage/{dispatched.pk}/" in by_person[coordinator.member.email]
    assert f"/requests/manage/{triage.pk}/" not in by_person[coordinator.member.email]
    assert "13712345678" not in by_person[admin_user.email]  # no personal data in it
    with django_capture_on_commit_callbacks(execute=True):
        call_command("request_digest")  # again the same day: nothing more
    assert len(mail.outbox) == 2


def test_personal_data_of_long_ended_requests_is_erased_history_too(ecommerce, settings):
    settings.REQUEST_ERASE_AFTER_DAYS = 365
    from service_requests.privacy import ERASED

    ended = old_request(
        400, status=S.CLOSED, group=ecommerce, rating=4, people_served=20,
        **{f: "林阿姨 13712345678" for f in ERASED if f not in SET_BY_OLD_REQUEST},
    )  # fmt: skip
    ServiceRequest.objects.filter(pk=ended.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=400)
    )
    ended.refresh_from_db()
    ended.requester_name = "林阿姨改"
    ended.save()  # a second history row with personal data
    recent = old_request(10, status=S.CLOSED, group=ecommerce)
    ServiceRequest.objects.filter(pk=recent.pk).update(closed_at=timezone.now())
    call_command("erase_requests")
    ended.refresh_from_db()
    assert ended.erased_at is not None
    assert (ended.requester_name, ended.phone, ended.email, ended.description) == ("", "", "", "")
    assert (ended.district, ended.rating, ended.people_served, ended.group) == (
        "longwen", 4, 20, ecommerce,
    )  # fmt: skip
    for row in [ended, *ServiceRequest.history.filter(id=ended.pk)]:
        assert {field: getattr(row, field) for field in ERASED} == ERASED  # every free text
    recent.refresh_from_db()
    assert recent.phone == "13712345678" and recent.erased_at is None
    call_command("erase_requests")  # nothing left to do
    assert ServiceRequest.objects.filter(erased_at__isnull=False).count() == 1


@pytest.mark.parametrize("status", [S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_SERVICE])
def test_open_requests_are_never_erased(status, ecommerce):
    request = old_request(900, status=status, group=ecommerce)
    ServiceRequest.objects.filter(pk=request.pk).update(
        closed_at=timezone.now() - datetime.timedelta(days=900)
    )
    call_command("erase_requests")
    request.refresh_from_db()
    assert request.phone == "13712345678"


def test_an_admin_who_coordinates_gets_one_digest_of_both(
    admin_user, ecommerce, django_capture_on_commit_callbacks
):
    from groups.models import LeaderAssignment
    from tests.factories import LeaderAssignmentFactory, MemberFactory

    admin_user.language = "en"
    admin_user.save()
    LeaderAssignmentFactory(
        group=ecommerce,
        member=MemberFactory(user=admin_user, email=admin_user.email),
        role=LeaderAssignment.Role.COORDINATOR,
    )
    triage = old_request(10)
    dispatched = old_request(8, status=S.DISPATCHED, group=ecommerce)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("request_digest")
    (message,) = [m for m in mail.outbox if m.to == [admin_user.email]]
    assert f"/requests/manage/{triage.pk}/" in message.body
    assert f"/requests/manage/{dispatched.pk}/" in message.body


def test_a_completed_request_never_closed_is_erased_in_time(ecommerce):
    request = old_request(400, status=S.RATED, group=ecommerce, rating=5)
    ServiceRequest.objects.filter(pk=request.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=400),
        rated_at=timezone.now() - datetime.timedelta(days=399),
    )
    call_command("erase_requests")
    request.refresh_from_db()
    assert request.phone == "" and request.rating == 5
