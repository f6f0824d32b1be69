"""Issue 10, the board: a group's members see its open requests (and nothing of the
requester), offer to help with one once, the group's coordinators hear of it by email, see
the offer on the request's page and confirm it by asking the member (an offer of a place)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import SignUp
from groups.models import Membership
from service_requests import board, services
from service_requests.models import HelpOffer, ServiceRequest
from tests.factories import MemberFactory, MembershipFactory, UserFactory

S = ServiceRequest.Status
BOARD = reverse("requests:board")
PHONE = "13712345678"


def offer_url(request) -> str:
    return reverse("requests:board-offer", args=[request.pk])


def make_request(group, status=S.DISPATCHED, **fields):
    defaults = {
        "requester_name": "林阿姨",
        "organisation": "朝阳镇下庄村",
        "phone": PHONE,
        "email": "lin.ayi@example.com",
        "district": "longwen",
        "description": "想学习网上销售芦柑。",
        "preferred_dates": "十二月的周末",
        "wanted_group": group,
    }
    return ServiceRequest.objects.create(**{**defaults, **fields}, status=status, group=group)


def accept(coordinator, request, needed=1):
    start = timezone.now() + datetime.timedelta(days=4)
    services.request_accept(
        actor=coordinator, request=request, volunteers_needed=needed, skills=[],
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), location="龙文区",
    )  # fmt: skip
    request.refresh_from_db()
    return request


def member_user(group, username, name, status=Membership.Status.ACTIVE):
    """An account whose member record has a membership of ``group`` in ``status``."""
    user = UserFactory(username=username)
    member = MemberFactory(user=user, full_name=name)
    MembershipFactory(member=member, group=group, status=status)
    return user


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def xiaoming(ecommerce):
    """An active member of the e-commerce group."""
    return member_user(ecommerce, "xiaoming", "王小明")


def rows_of(response) -> list[int]:
    return [row.pk for row in response.context["rows"]]


# --- Who sees what ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, ecommerce):
    request = make_request(ecommerce)
    response = client.get(BOARD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(offer_url(request))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not HelpOffer.objects.exists()


def test_a_volunteer_outside_the_group_sees_nothing_and_cannot_offer(en, volunteer, ecommerce):
    request = make_request(ecommerce)
    en.force_login(volunteer)
    response = en.get(BOARD)
    assert response.status_code == 200 and rows_of(response) == []
    page = response.content.decode()
    assert 'id="board-empty"' in page and "想学习网上销售芦柑" not in page
    assert 'id="board-link"' not in en.get(reverse("me")).content.decode()  # no group, no link
    assert en.post(offer_url(request)).status_code == 404
    assert not HelpOffer.objects.exists()


def test_an_applicant_or_former_member_is_not_on_the_board(client, ecommerce, culture):
    request = make_request(ecommerce)
    applicant = member_user(ecommerce, "applicant", "申请人", Membership.Status.APPLIED)
    former = member_user(ecommerce, "former", "退出者", Membership.Status.LEFT)
    for user in (applicant, former):
        client.force_login(user)
        assert rows_of(client.get(BOARD)) == []
        assert client.post(offer_url(request)).status_code == 404
    assert not HelpOffer.objects.exists()


def test_a_member_sees_the_open_requests_of_their_groups_newest_first(
    client, xiaoming, ecommerce, culture, coordinator
):
    old = make_request(ecommerce, S.DISPATCHED)
    accepted = accept(coordinator, make_request(ecommerce, S.DISPATCHED))
    in_service = make_request(ecommerce, S.IN_SERVICE)
    hidden = [
        make_request(None, S.SUBMITTED),  # not dispatched yet
        make_request(ecommerce, S.COMPLETED),
        make_request(ecommerce, S.CLOSED),
        make_request(ecommerce, S.WITHDRAWN),
        make_request(culture, S.DISPATCHED),  # another group's
    ]
    client.force_login(xiaoming)
    response = client.get(BOARD)
    assert rows_of(response) == [in_service.pk, accepted.pk, old.pk]
    page = response.content.decode()
    assert 'id="board-link"' in client.get(reverse("me")).content.decode()  # on "My page"
    assert page.count('class="board-offer-form"') == 3
    assert not {r.pk for r in hidden} & set(rows_of(response))


def test_the_board_shows_nothing_of_the_requester(client, xiaoming, ecommerce):
    make_request(
        ecommerce,
        description="芦柑滞销。有事打我电话 137 1234 5678，或者 0596-2345678，"
        "邮箱 lin.ayi@example.com。",
    )
    client.force_login(xiaoming)
    page = client.get(BOARD).content.decode()
    assert "芦柑滞销" in page and "十二月的周末" in page  # what members need to decide
    for personal in ("林阿姨", "朝阳镇下庄村", PHONE, "137 1234 5678", "2345678", "lin.ayi"):
        assert personal not in page, personal
    assert "137****5678" in page  # the number typed into the description, masked


def test_masking_the_description_leaves_dates_and_counts_alone():
    text = "日期 2026-12-01 至 2026-12-05，约 120 人，电话 +86 137-1234-5678，座机 05962345678"
    assert board.board_text(text) == (
        "日期 2026-12-01 至 2026-12-05，约 120 人，电话 137****5678，座机 0596*****78"
    )


# --- Offering --------------------------------------------------------------------------


def test_a_member_offers_once_and_the_coordinators_hear_of_it(
    en, xiaoming, coordinator, ecommerce, django_capture_on_commit_callbacks
):
    request = make_request(ecommerce)
    en.force_login(xiaoming)
    with django_capture_on_commit_callbacks(execute=True):
        response = en.post(offer_url(request), {"page": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}#request-{request.pk}"
    offer = HelpOffer.objects.get()
    assert (offer.request, offer.member.full_name) == (request, "王小明")
    assert [m.to for m in mail.outbox] == [[coordinator.member.email]]  # one email an offer
    assert str(request.pk) in mail.outbox[0].subject and "王小明" in mail.outbox[0].body
    assert reverse("requests:detail", args=[request.pk]) in mail.outbox[0].body
    page = en.get(BOARD).content.decode()
    assert "You offered to help" in page and 'class="board-offer-form"' not in page

    # Again (a second tab, a double tap): refused with a message, nothing new.
    mail.outbox.clear()
    response = en.post(offer_url(request), follow=True)
    assert "You have already offered to help" in response.content.decode()
    assert HelpOffer.objects.count() == 1 and mail.outbox == []


def test_a_completed_request_takes_no_offer(en, xiaoming, ecommerce):
    request = make_request(ecommerce, S.COMPLETED)
    en.force_login(xiaoming)
    response = en.post(offer_url(request), {"page": "2"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{BOARD}?page=2#request-{request.pk}"
    assert "is no longer open" in response.content.decode()
    assert not HelpOffer.objects.exists()


def test_the_service_refuses_outsiders_and_members_asked_already(
    volunteer, xiaoming, coordinator, ecommerce
):
    request = accept(coordinator, make_request(ecommerce))
    with pytest.raises(PermissionDenied):
        board.help_offer(actor=volunteer, request=request)
    services.request_invite(actor=coordinator, request=request, member_ids=[xiaoming.member.pk])
    with pytest.raises(ValidationError) as refused:
        board.help_offer(actor=xiaoming, request=request)
    assert refused.value.code == "asked"
    assert not HelpOffer.objects.exists()


# --- The coordinator confirms ----------------------------------------------------------


def test_the_coordinator_sees_the_offers_and_asks_them(en, xiaoming, coordinator, ecommerce):
    request = make_request(ecommerce)
    board.help_offer(actor=xiaoming, request=request)
    member = xiaoming.member
    MembershipFactory(member=MemberFactory(full_name="李直播"), group=ecommerce)
    en.force_login(coordinator)
    detail = reverse("requests:detail", args=[request.pk])

    # Dispatched: the offer is listed, to ask once the request is accepted.
    page = en.get(detail).content.decode()
    assert 'id="help-offers"' in page and "王小明" in page
    assert f'id="offer-{member.pk}"' not in page

    # Accepted: a box to tick at the top of the form, not again among the suggestions.
    accept(coordinator, request)
    page = en.get(detail).content.decode()
    assert f'id="offer-{member.pk}"' in page
    assert f'id="suggest-{member.pk}"' not in page
    assert page.index('id="help-offers"') < page.index("suggestion-list")

    response = en.post(reverse("requests:invite", args=[request.pk]), {"member": [member.pk]})
    assert response.status_code == 302
    signup = SignUp.objects.get(activity=request.activity, member=member)
    assert signup.status == SignUp.Status.OFFERED  # the offer of a place

    page = en.get(detail).content.decode()
    assert 'class="badge text-bg-success offer-asked"' in page
    assert f'id="offer-{member.pk}"' not in page  # asked: no box to tick again

    # On the board, the member sees they were asked.
    en.force_login(xiaoming)
    assert "You have been asked for it." in en.get(BOARD).content.decode()


def test_another_groups_coordinator_sees_no_offers(client, xiaoming, other_coordinator, ecommerce):
    request = make_request(ecommerce)
    board.help_offer(actor=xiaoming, request=request)
    client.force_login(other_coordinator)
    detail = reverse("requests:detail", args=[request.pk])
    assert client.get(detail).status_code == 404


# --- Cost ------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_board_costs_the_same_queries_at_5_and_50(
    client, xiaoming, coordinator, ecommerce, culture
):
    MembershipFactory(member=xiaoming.member, group=culture)
    client.force_login(xiaoming)

    def add(n):
        for i in range(n):
            request = make_request(ecommerce if i % 2 else culture)
            if i % 5 == 0:
                board.help_offer(actor=xiaoming, request=request)
            if i % 7 == 1 and request.group == ecommerce:  # accepted: it has an activity
                accept(coordinator, request)

    add(5)
    small = count_queries(client, BOARD)
    add(45)
    large = count_queries(client, BOARD)
    assert len(client.get(BOARD).context["rows"]) == 50
    assert small == large, (small, large)


def test_full_width_phones_and_emails_are_masked_too():
    """As Chinese input methods type them (issue 10 review)."""
    from service_requests.board import board_text

    masked = board_text("联系我１３７１２３４５６７８，或 lin＠example.com，周末。")
    assert masked == "联系我137****5678，或 l*n@example.com，周末。"  # the rest as typed
