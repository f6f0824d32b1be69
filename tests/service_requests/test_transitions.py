"""Issue 10: the one table of moves (service_requests/transitions.py), walked for every pair
of state and move through the services; who may make each move; what each records and
tells."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activities.models import Activity
from members.models import Skill
from service_requests import services
from service_requests.models import GroupIntake, RequestEvent, ServiceRequest
from service_requests.transitions import MOVES, allowed_from

S = ServiceRequest.Status


def make_request(group=None, status=S.SUBMITTED, **fields):
    defaults = {
        "requester_name": "林阿姨",
        "phone": "13712345678",
        "email": "lin@example.com",
        "district": "longwen",
        "description": "想学习网上销售芦柑。",
    }
    request = ServiceRequest.objects.create(**{**defaults, **fields}, status=status, group=group)
    return request


def do(move, request, actor):
    """Make ``move`` with the arguments its service needs."""
    start = timezone.now() + datetime.timedelta(days=3)
    calls = {
        "dispatch": lambda: services.request_dispatch(
            actor=actor, request=request, group=request.group or request.wanted_group
        ),
        "accept": lambda: services.request_accept(
            actor=actor,
            request=request,
            volunteers_needed=2,
            skills=[],
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            location="龙文区朝阳镇",
        ),
        "decline": lambda: services.request_decline(
            actor=actor, request=request, reason="不是本团的专业"
        ),
        "start": lambda: services.request_start(actor=actor, request=request),
        "complete": lambda: services.request_complete(
            actor=actor, request=request, delivery_notes="讲了两次课", people_served=30
        ),
        "close": lambda: services.request_close(actor=actor, request=request),
        "rate": lambda: services.request_rate(request=request, rating=5, comment="很好"),
        "withdraw": lambda: services.request_withdraw(request=request),
        "cancel": lambda: services.request_cancel(
            actor=actor, request=request, reason="林阿姨来电说不需要了"
        ),
        "lapse": lambda: _lapse(request),
    }
    return calls[move]()


def _lapse(request):
    """The system's move: the command closes what is due, and says nothing of the rest."""
    ServiceRequest.objects.filter(pk=request.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=40)
    )
    if not services.close_unrated():
        raise ValidationError("no longer possible")


@pytest.mark.parametrize("status", S.values)
@pytest.mark.parametrize("move", list(MOVES))
def test_every_move_from_every_state(move, status, admin_user, ecommerce):
    """Legal moves land in the table's target state with the move's event in the history;
    every other pair is refused with a message and changes nothing."""
    request = make_request(group=ecommerce, status=status, wanted_group=ecommerce)
    legal = status in MOVES[move].sources
    if legal:
        do(move, request, admin_user)
        request.refresh_from_db()
        assert request.status == MOVES[move].target
        assert request.history.latest().history_change_reason == MOVES[move].event
    else:
        with pytest.raises(ValidationError, match="no longer possible|不再|已"):
            do(move, request, admin_user)
        request.refresh_from_db()
        assert request.status == status


def test_the_table_offers_each_state_its_moves():
    assert [m.name for m in allowed_from(S.SUBMITTED)] == ["dispatch", "withdraw", "cancel"]
    assert [m.name for m in allowed_from(S.DISPATCHED)] == [
        "accept", "decline", "withdraw", "cancel"
    ]  # fmt: skip
    # No closing by hand before the rating: only the rating window's lapse closes it.
    assert [m.name for m in allowed_from(S.COMPLETED)] == ["rate", "lapse"]
    assert allowed_from(S.CLOSED) == allowed_from(S.WITHDRAWN) == []


@pytest.mark.parametrize("move", ["accept", "decline"])
def test_another_groups_coordinator_may_not_take_or_decline(move, other_coordinator, ecommerce):
    request = make_request(group=ecommerce, status=S.DISPATCHED)
    with pytest.raises(PermissionDenied):
        do(move, request, other_coordinator)
    request.refresh_from_db()
    assert request.status == S.DISPATCHED


def test_only_an_administrator_dispatches(coordinator, ecommerce):
    request = make_request(wanted_group=ecommerce)
    with pytest.raises(PermissionDenied):
        services.request_dispatch(actor=coordinator, request=request, group=ecommerce)


def test_accepting_makes_an_invitation_only_draft_activity_with_the_places_needed(
    coordinator, ecommerce
):
    skill = Skill.objects.create(name="测试技能甲")
    request = make_request(group=ecommerce, status=S.DISPATCHED)
    start = timezone.now() + datetime.timedelta(days=5)
    services.request_accept(
        actor=coordinator,
        request=request,
        volunteers_needed=3,
        skills=[skill],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        location="龙海区",
    )
    request.refresh_from_db()
    activity = request.activity
    assert activity.group == ecommerce and activity.capacity == 3
    assert activity.status == Activity.Status.DRAFT
    assert activity.eligibility == Activity.Eligibility.INVITED
    assert list(activity.skills_wanted.all()) == [skill] == list(request.skills_needed.all())
    assert "13712345678" not in activity.title and "林" not in activity.title


def test_declining_sends_it_back_to_triage_with_the_reason(coordinator, ecommerce):
    request = make_request(group=ecommerce, status=S.DISPATCHED)
    with pytest.raises(ValidationError):
        services.request_decline(actor=coordinator, request=request, reason="  ")
    services.request_decline(actor=coordinator, request=request, reason="人手不足")
    request.refresh_from_db()
    assert request.status == S.SUBMITTED and request.group is None
    assert request.decline_reason == "人手不足"


def test_a_rating_is_given_once_and_a_low_one_is_flagged_to_the_admins(
    admin_user, ecommerce, django_capture_on_commit_callbacks
):
    request = make_request(group=ecommerce, status=S.COMPLETED)
    with pytest.raises(ValidationError):
        services.request_rate(request=request, rating=9)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_rate(request=request, rating=2, comment="来晚了")
    request.refresh_from_db()
    assert request.rating == 2 and request.low_rating and request.rated_at
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    with pytest.raises(ValidationError):
        services.request_rate(request=request, rating=5)


def test_a_request_of_a_group_that_takes_them_directly_skips_triage(
    coordinator, ecommerce, django_capture_on_commit_callbacks
):
    GroupIntake.objects.create(group=ecommerce, dispatch_directly=True)
    request = ServiceRequest(
        requester_name="张先生",
        phone="13712345678",
        district="xiangcheng",
        description="报税咨询",
        wanted_group=ecommerce,
        email="zhang@example.com",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(request=request)
    request.refresh_from_db()
    assert request.status == S.DISPATCHED and request.group == ecommerce
    events = list(
        request.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert events == [RequestEvent.SUBMITTED, RequestEvent.DISPATCHED]
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert "zhang@example.com" in recipients  # the requester: now with the group
    assert coordinator.member.email in recipients  # the group's coordinator


def test_a_request_of_unsure_kind_waits_for_triage_and_the_admins_hear_of_it(
    admin_user, django_capture_on_commit_callbacks
):
    request = ServiceRequest(
        requester_name="王村长", phone="13712345678", district="nanjing", description="文艺晚会"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(request=request)
    assert request.status == S.SUBMITTED and request.group is None
    assert [m.to for m in mail.outbox] == [[admin_user.email]]  # no email of the requester's


def test_the_requester_emails_go_in_the_language_they_wrote_in(
    admin_user, ecommerce, django_capture_on_commit_callbacks
):
    request = make_request(group=ecommerce, status=S.SUBMITTED, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_dispatch(actor=admin_user, request=request, group=ecommerce)
    (message,) = [m for m in mail.outbox if m.to == ["lin@example.com"]]
    assert message.subject.startswith(f"Your service request No. {request.pk}")
    assert request.code not in message.subject  # subjects show in the outbox's admin list
    assert f"/requests/{request.code}/" in message.body


def test_staff_withdraw_for_a_requester_with_the_reason_and_the_group_hears(
    coordinator, other_coordinator, ecommerce, django_capture_on_commit_callbacks
):
    """A requester with no email who calls the group: the coordinator withdraws it for
    them, saying who asked; another group's coordinator may not; a reason is needed."""
    request = make_request(group=ecommerce, status=S.ACCEPTED, email="")
    with pytest.raises(PermissionDenied):
        services.request_cancel(actor=other_coordinator, request=request, reason="来电")
    with pytest.raises(ValidationError):
        services.request_cancel(actor=coordinator, request=request, reason="   ")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_cancel(actor=coordinator, request=request, reason=" 12月1日来电 ")
    request.refresh_from_db()
    assert request.status == S.WITHDRAWN and request.closed_at
    assert request.withdraw_reason == "12月1日来电"
    record = request.history.latest()
    assert record.history_change_reason == RequestEvent.WITHDRAWN
    assert record.history_user == coordinator
    assert [m.to for m in mail.outbox] == [[coordinator.member.email]]


def test_a_request_still_in_triage_is_withdrawn_for_the_requester_by_an_admin_only(
    admin_user, coordinator
):
    request = make_request()
    with pytest.raises(PermissionDenied):
        services.request_cancel(actor=coordinator, request=request, reason="来电")
    services.request_cancel(actor=admin_user, request=request, reason="来电")
    request.refresh_from_db()
    assert request.status == S.WITHDRAWN


def test_unrated_requests_close_once_the_rating_window_passes(ecommerce, settings):
    settings.REQUEST_RATING_DAYS = 30
    now = timezone.now()
    due = make_request(group=ecommerce, status=S.COMPLETED)
    recent = make_request(group=ecommerce, status=S.COMPLETED)
    rated = make_request(group=ecommerce, status=S.RATED, rating=4)
    for request, days in ((due, 31), (recent, 29), (rated, 90)):
        ServiceRequest.objects.filter(pk=request.pk).update(
            completed_at=now - datetime.timedelta(days=days)
        )
    assert services.close_unrated(now) == 1
    assert services.close_unrated(now) == 0  # nothing twice
    states = dict(ServiceRequest.objects.values_list("pk", "status"))
    assert states == {due.pk: S.CLOSED, recent.pk: S.COMPLETED, rated.pk: S.RATED}
    due.refresh_from_db()
    assert due.closed_at == now and due.rating is None
    assert due.history.latest().history_change_reason == RequestEvent.CLOSED
    with pytest.raises(ValidationError):  # too late to rate now
        services.request_rate(request=due, rating=5)


def test_the_close_requests_command_reports_what_it_closed(ecommerce, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.LANGUAGE_CODE = "en"
    request = make_request(group=ecommerce, status=S.COMPLETED)
    ServiceRequest.objects.filter(pk=request.pk).update(
        completed_at=timezone.now() - datetime.timedelta(days=365)
    )
    out = StringIO()
    call_command("close_requests", stdout=out)
    assert "1" in out.getvalue()
    request.refresh_from_db()
    assert request.status == S.CLOSED


def test_staff_withdrawing_tells_the_requester_and_says_it_was_at_their_wish(
    coordinator, ecommerce, django_capture_on_commit_callbacks
):
    request = make_request(group=ecommerce, status=S.DISPATCHED, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_cancel(actor=coordinator, request=request, reason="called on Monday")
    by_person = {m.to[0]: m for m in mail.outbox}
    assert "lin@example.com" in by_person  # the requester hears it is withdrawn
    note = by_person[coordinator.member.email].body
    assert "at their wish" in note or "应需求方要求代为撤回" in note


def test_the_tracking_page_and_email_say_until_when_the_service_can_be_rated(
    client, ecommerce, settings, django_capture_on_commit_callbacks, admin_user
):
    settings.REQUEST_RATING_DAYS = 30
    request = make_request(group=ecommerce, status=S.IN_SERVICE, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(
            actor=admin_user, request=request, delivery_notes="done", people_served=3
        )
    request.refresh_from_db()
    deadline = request.rating_deadline
    assert deadline == timezone.localdate(request.completed_at + datetime.timedelta(days=30))
    (email,) = [m for m in mail.outbox if m.to == ["lin@example.com"]]
    assert f"until {deadline:%Y-%m-%d}" in email.body
    client.cookies["django_language"] = "en"
    page = client.get(f"/requests/{request.code}/").content.decode()
    assert f"by {deadline:%Y-%m-%d}" in page
