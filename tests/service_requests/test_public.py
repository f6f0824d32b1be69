"""Issue 10, ordering (public, no login): the request form with its honeypot and rate limits,
the receipt, the tracking page (by code only, nothing about anyone else), and the
requester's own moves (withdraw, rate) with a message for every refusal."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups.models import ServiceGroup
from members.models import Skill
from service_requests import services
from service_requests.models import RequestEvent, ServiceRequest
from service_requests.views.public import code_groups, public_name
from tests.factories import MemberFactory, SignUpFactory
from tests.hostile import (
    CHOICE,
    CONTROL,
    LINE_BREAKS,
    LONG,
    NUMBER,
    TEXT,
    Form,
    assert_no_failures,
    sweep,
)

S = ServiceRequest.Status
NEW = "/requests/new/"


def form_data(**changes) -> dict:
    data = {
        "requester_name": "林阿姨",
        "organisation": "龙文区朝阳镇后坂村",
        "phone": "+86 137-1234-5678",
        "email": "lin@example.com",
        "district": "longwen",
        "wanted_group": "",
        "description": "想学习在网上销售芦柑，村里有二十户果农。",
        "preferred_dates": "五月的周末",
        "beneficiaries": "20",
        "consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def submitted(**fields) -> ServiceRequest:
    values = {
        "requester_name": "林阿姨",
        "phone": "13712345678",
        "email": "lin@example.com",
        "district": "longwen",
        "description": "想学习网上销售芦柑。",
        **fields,
    }
    return services.request_submit(request=ServiceRequest(**values), actor=None)


def walk(request, to: str, actor, group) -> ServiceRequest:
    """Take a submitted request through the moves up to ``to`` (dispatched ... rated)."""
    start = timezone.now() + datetime.timedelta(days=3)
    skills = list(Skill.objects.all()[:1])  # saved after the move: a second history record
    steps = [
        (S.DISPATCHED, lambda: services.request_dispatch(
            actor=actor, request=request, group=group
        )),
        (S.ACCEPTED, lambda: services.request_accept(
            actor=actor, request=request, volunteers_needed=2, skills=skills, starts_at=start,
            ends_at=start + datetime.timedelta(hours=2), location="朝阳镇",
        )),
        (S.IN_SERVICE, lambda: services.request_start(actor=actor, request=request)),
        (S.COMPLETED, lambda: services.request_complete(
            actor=actor, request=request, delivery_notes="讲了两次课", people_served=20
        )),
        (S.RATED, lambda: services.request_rate(request=request, rating=4)),
    ]  # fmt: skip
    for status, step in steps:
        request = step()
        if status == to:
            break
    request.refresh_from_db()
    return request


def track_url(request) -> str:
    return reverse("requests:track", args=[request.code])


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- The form ------------------------------------------------------------------------------


def test_the_form_opens_for_anyone_with_the_privacy_notice(client, ecommerce, settings):
    settings.REQUEST_ERASE_AFTER_DAYS = 200
    response = client.get(NEW)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="privacy-notice"' in body and "200" in body
    # The five groups, and "not sure" as a choice of its own (chosen until changed).
    assert body.count('name="wanted_group"') == ServiceGroup.objects.active().count() + 1
    assert re.search(r'name="wanted_group" value=""[^>]*checked', body)
    # The honeypot sits in the wrapper the stylesheet hides.
    assert re.search(r'class="[^"]*request-extra[^"]*"[^>]*>\s*<div[^>]*id="div_id_website"', body)


def test_a_request_is_saved_and_leads_to_its_receipt(client, ecommerce):
    response = client.post(NEW, form_data(wanted_group=str(ecommerce.pk)))
    request = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:receipt", args=[request.code])
    assert request.phone == "13712345678"  # as members' phones are stored
    assert request.wanted_group == ecommerce and request.status == S.SUBMITTED
    assert request.channel == ServiceRequest.Channel.ONLINE and request.entered_by is None
    assert request.beneficiaries == 20
    assert request.history.get().history_change_reason == RequestEvent.SUBMITTED


@pytest.mark.parametrize(("language", "stored"), [("zh-hans", "zh-hans"), ("en", "en")])
def test_the_request_remembers_the_language_of_the_page(client, db, language, stored):
    client.cookies["django_language"] = language
    client.post(NEW, form_data())
    assert ServiceRequest.objects.get().language == stored


def test_not_sure_leaves_the_kind_empty_and_an_inactive_group_is_no_choice(client, culture):
    client.post(NEW, form_data(wanted_group=""))
    assert ServiceRequest.objects.get().wanted_group is None
    culture.is_active = False
    culture.save()
    response = client.post(NEW, form_data(wanted_group=str(culture.pk), phone="13800000001"))
    assert response.status_code == 200 and "wanted_group" in response.context["form"].errors
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "0596-1234567"}, "phone"),
        ({"phone": "１３７１２３４５６７８"}, "phone"),  # full-width digits
        ({"consent": None}, "consent"),
        ({"description": ""}, "description"),
        ({"district": "atlantis"}, "district"),
        ({"beneficiaries": "9" * 40}, "beneficiaries"),
        ({"beneficiaries": "-3"}, "beneficiaries"),
        ({"email": "not-an-email"}, "email"),
        ({"requester_name": "林\x1b[31m阿姨"}, "requester_name"),
        ({"description": "x" * 3001}, "description"),
    ],
)
def test_bad_input_gets_a_field_error_and_nothing_is_saved(client, db, changes, field):
    response = client.post(NEW, form_data(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'id="form-error-summary-title"' in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_filled_honeypot_is_refused_quietly_and_shown_empty_again(client, db):
    response = client.post(NEW, form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert not ServiceRequest.objects.exists()
    form = response.context["form"]
    assert form.non_field_errors() and "website" not in form.errors
    assert "spam.example" not in response.content.decode()
    # A person whose browser filled it in sends the form again: it goes through.
    assert client.post(NEW, form_data()).status_code == 302


@pytest.fixture
def no_rate_limits(settings):
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "100000/m")


def test_hostile_values_get_field_errors_never_a_500(client, ecommerce, no_rate_limits):
    one_line = CONTROL + LINE_BREAKS
    form = Form(
        "request",
        NEW,
        lambda i: form_data(phone=f"1390000{i:04d}"),
        {
            "requester_name": TEXT,
            "organisation": TEXT,
            "phone": [LONG, *CONTROL, "12345", "+86 000", "1" * 12],
            "email": TEXT,
            "district": CHOICE,
            "wanted_group": [*CHOICE, "-1", str(2**70)],
            "description": TEXT,
            "preferred_dates": TEXT,
            "beneficiaries": NUMBER,
            "consent": ["abc", ""],
            "website": [LONG, "x"],
        },
        refuse={
            **dict.fromkeys(["requester_name", "organisation", "preferred_dates"], one_line),
            "description": CONTROL,
            "phone": [LONG, *CONTROL, "12345", "+86 000", "1" * 12],
            "website": [LONG, "x"],
        },
    )
    assert_no_failures(sweep(client, form))
    for request in ServiceRequest.objects.all():  # what was accepted is stored clean
        request.full_clean()
        assert len(request.phone) == 11


# --- Rate limits ---------------------------------------------------------------------------


def test_the_limit_per_address_counts_every_attempt(client, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request-address": "2/h"}
    client.cookies["django_language"] = "en"
    assert client.post(NEW, form_data(description="")).status_code == 200  # a typo counts
    assert client.post(NEW, form_data(phone="13800000001")).status_code == 302
    response = client.post(NEW, form_data(phone="13800000002"))
    assert response.status_code == 429
    assert "Please wait" in messages_of(response)
    assert ServiceRequest.objects.count() == 1
    # Another address is not held up.
    other = client.post(NEW, form_data(phone="13800000003"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_the_limit_per_phone_counts_requests_sent_however_the_phone_is_typed(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request-phone": "2/d"}
    for attempt in range(3):  # refused ones do not count against the phone
        client.post(NEW, form_data(consent=None), REMOTE_ADDR=f"10.0.1.{attempt}")
    assert client.post(NEW, form_data(phone="13712345678")).status_code == 302
    assert (
        client.post(NEW, form_data(phone="137 1234 5678"), REMOTE_ADDR="10.0.2.1").status_code
        == 302
    )
    response = client.post(NEW, form_data(phone="0086 13712345678"), REMOTE_ADDR="10.0.2.2")
    assert response.status_code == 429
    errors = response.context["form"].errors["phone"]
    assert errors and "13712345678" not in errors[0]
    assert ServiceRequest.objects.count() == 2
    # Another phone from the same address goes through.
    assert client.post(NEW, form_data(phone="13900000000")).status_code == 302


# --- The receipt ---------------------------------------------------------------------------


def test_the_receipt_shows_the_code_large_with_a_qr_code_and_is_not_stored(client, db):
    request = submitted()
    response = client.get(reverse("requests:receipt", args=[request.code]))
    assert response.status_code == 200
    body = response.content.decode()
    for group in code_groups(request.code):
        assert f"<span>{group}</span>" in body
    assert re.search(r'id="tracking-qr">(<\?xml[^>]*>\s*)?<svg', body)
    assert f'href="{track_url(request)}"' in body
    assert "no-store" in response["Cache-Control"]


def test_code_groups_split_the_code_in_fours():
    assert code_groups("ABCDEFGHJKMN") == ["ABCD", "EFGH", "JKMN"]


# --- Finding a request again by its code ---------------------------------------------------

LOOKUP = "/requests/track/"


@pytest.mark.parametrize(
    "typed",
    ["{code}", "{lower}", " {spaced} ", "{dashed}"],
    ids=["plain", "lower", "spaced", "dashed"],
)
def test_a_typed_code_leads_to_its_tracking_page_however_it_is_written(client, db, typed):
    request = submitted()
    code = request.code
    value = typed.format(
        code=code,
        lower=code.lower(),
        spaced=" ".join(code_groups(code)),
        dashed="-".join(code_groups(code)),
    )
    response = client.post(LOOKUP, {"code": value})
    assert response.status_code == 302 and response["Location"] == track_url(request)


@pytest.mark.parametrize(
    "typed, message",
    [("ABCDEFGHJKMN", "No request has this code"), ("ABC", "12 letters and digits"),
     ("ABCD EFGH JK0O", "12 letters and digits"), ("", "required"),
     ("\x00" * 12, "Null characters")],
    ids=["unknown", "short", "not-in-alphabet", "empty", "control"],
)  # fmt: skip
def test_a_wrong_code_gets_a_field_error_on_the_page(client, db, typed, message):
    client.cookies["django_language"] = "en"
    submitted()
    response = client.post(LOOKUP, {"code": typed})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["code"])
    assert "data-error-summary" in response.content.decode()


def test_typing_codes_is_limited_per_address(client, db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "request-lookup": "2/h"}
    client.cookies["django_language"] = "en"
    request = submitted()
    for _ in range(2):
        client.post(LOOKUP, {"code": "ABCDEFGHJKMN"})
    response = client.post(LOOKUP, {"code": request.code})  # even a right one, now
    assert response.status_code == 429
    assert "Please wait" in messages_of(response)
    assert client.post(LOOKUP, {"code": request.code}, REMOTE_ADDR="10.0.3.1").status_code == 302


def test_the_request_form_leads_to_the_lookup(client, db):
    body = client.get(NEW).content.decode()
    assert f'href="{LOOKUP}"' in body
    assert client.get(LOOKUP).status_code == 200


# --- The tracking page ---------------------------------------------------------------------


def test_a_wrong_code_is_a_404_and_a_right_one_shows_only_its_own_request(client, db):
    mine = submitted(description="修理村里的电脑")
    other = submitted(description="财税咨询：小微企业的发票", phone="13900000000")
    assert client.get("/requests/ABCDEFGHJKMN/").status_code == 404
    assert client.get(f"/requests/{mine.code.lower()}/").status_code == 404
    assert client.get(f"/requests/{mine.code}/receipt/").status_code == 200
    body = client.get(track_url(mine)).content.decode()
    assert "修理村里的电脑" in body and "发票" not in body and other.code not in body


def test_the_tracking_page_shows_the_status_timeline_and_group(
    client, admin_user, ecommerce, settings
):
    request = walk(submitted(), S.IN_SERVICE, admin_user, ecommerce)
    response = client.get(track_url(request))
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert 'data-status="in_service"' in body
    assert ecommerce.name in body
    events = re.findall(r'data-event="(\w+)"', body)
    assert events == ["submitted", "dispatched", "accepted", "started"]
    first = request.history.earliest().history_date
    local = timezone.localtime(first, timezone=datetime.timezone(datetime.timedelta(hours=8)))
    assert local.strftime("%Y-%m-%d %H:%M") in body  # Asia/Shanghai, not UTC


def test_the_tracking_page_names_volunteers_only_as_surname_and_stars(
    client, admin_user, ecommerce
):
    request = walk(submitted(), S.ACCEPTED, admin_user, ecommerce)
    wang = MemberFactory(full_name="王小梅", phone="13911112222")
    SignUpFactory(activity=request.activity, member=wang)
    SignUpFactory(activity=request.activity, member=MemberFactory(full_name="Anna Schmidt"))
    SignUpFactory(
        activity=request.activity, member=MemberFactory(full_name="李四"), status="waiting"
    )
    body = client.get(track_url(request)).content.decode()
    assert "王**" in body and "Anna" in body
    for secret in ("王小梅", "小梅", "Schmidt", "李", "13911112222", "1391111", "admin_user"):
        assert secret not in body
    # The requester's own contact details are not on the page either.
    assert "13712345678" not in body and "lin@example.com" not in body


@pytest.mark.parametrize(
    ("name", "shown"),
    [("王小梅", "王**"), ("欧阳娜娜", "欧***"), ("王", "王*"), ("Anna Schmidt", "Anna"), ("", "")],
)
def test_public_name(name, shown):
    assert public_name(name) == shown


def test_the_tracking_page_runs_a_fixed_number_of_queries(
    client, admin_user, ecommerce, django_assert_num_queries
):
    small = walk(submitted(), S.ACCEPTED, admin_user, ecommerce)
    SignUpFactory(activity=small.activity)
    large = walk(
        submitted(phone="13900000000", wanted_group=ecommerce), S.COMPLETED, admin_user, ecommerce
    )
    for _ in range(6):
        SignUpFactory(activity=large.activity)
    counts = []
    for request in (small, large):
        # The request (with its groups), its history, its volunteers; the footer's organisation.
        with django_assert_num_queries(4) as captured:
            assert client.get(track_url(request)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Withdrawing ---------------------------------------------------------------------------


def test_withdrawing_needs_the_box_ticked(client, db):
    request = submitted()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("requests:withdraw", args=[request.code]), follow=True)
    assert "Tick the box" in messages_of(response)
    request.refresh_from_db()
    assert request.status == S.SUBMITTED
    response = client.post(
        reverse("requests:withdraw", args=[request.code]), {"confirm": "yes"}, follow=True
    )
    request.refresh_from_db()
    assert request.status == S.WITHDRAWN
    assert response.redirect_chain[-1][0] == track_url(request)
    body = response.content.decode()
    assert 'id="withdraw-form"' not in body and 'data-event="withdrawn"' in body


def test_the_withdraw_button_shows_only_while_allowed(client, admin_user, ecommerce):
    request = submitted()
    assert 'id="withdraw-form"' in client.get(track_url(request)).content.decode()
    request = walk(request, S.COMPLETED, admin_user, ecommerce)
    assert 'id="withdraw-form"' not in client.get(track_url(request)).content.decode()
    response = client.post(
        reverse("requests:withdraw", args=[request.code]), {"confirm": "yes"}, follow=True
    )
    assert response.status_code == 200 and messages_of(response)
    request.refresh_from_db()
    assert request.status == S.COMPLETED


@pytest.mark.parametrize("name", ["withdraw", "rate"])
def test_the_requesters_moves_are_posts_with_a_csrf_token(db, name):
    request = submitted()
    url = reverse(f"requests:{name}", args=[request.code])
    checked = Client(enforce_csrf_checks=True)
    assert checked.get(url).status_code == 405
    assert checked.post(url, {"confirm": "yes", "rating": "5"}).status_code == 403
    assert checked.post(f"/requests/ABCDEFGHJKMN/{name}/", {"rating": "5"}).status_code in (
        403,
        404,
    )
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_a_move_on_a_wrong_code_is_a_404(client, db):
    assert client.post("/requests/ABCDEFGHJKMN/withdraw/", {"confirm": "yes"}).status_code == 404
    assert client.post("/requests/ABCDEFGHJKMN/rate/", {"rating": "5"}).status_code == 404


# --- Rating --------------------------------------------------------------------------------


def rate(client, request, **data):
    return client.post(reverse("requests:rate", args=[request.code]), data, follow=True)


def test_rating_once_after_completion(client, admin_user, ecommerce):
    request = walk(submitted(), S.COMPLETED, admin_user, ecommerce)
    page = client.get(track_url(request)).content.decode()
    assert 'id="rating-form"' in page and page.count('name="rating"') == 5
    response = rate(client, request, rating="2", comment="志愿者很热心，但来晚了。")
    request.refresh_from_db()
    assert (request.status, request.rating) == (S.RATED, 2)
    body = response.content.decode()
    assert 'id="request-rating"' in body and "来晚了" in body and 'id="rating-form"' not in body
    again = rate(client, request, rating="5")
    assert messages_of(again)
    request.refresh_from_db()
    assert request.rating == 2


def test_rating_before_completion_is_refused_with_a_message(client, admin_user, ecommerce):
    request = walk(submitted(), S.IN_SERVICE, admin_user, ecommerce)
    assert 'id="rating-form"' not in client.get(track_url(request)).content.decode()
    response = rate(client, request, rating="5")
    assert response.status_code == 200 and messages_of(response)
    request.refresh_from_db()
    assert request.rating is None and request.status == S.IN_SERVICE


@pytest.mark.parametrize(
    "data",
    [
        {"rating": "0"},
        {"rating": "9"},
        {"rating": "abc"},
        {},
        {"rating": "3", "comment": "x" * 2001},
    ],
)
def test_a_bad_rating_is_refused_with_a_message(client, admin_user, ecommerce, data):
    request = walk(submitted(), S.COMPLETED, admin_user, ecommerce)
    response = rate(client, request, **data)
    assert response.status_code == 200 and messages_of(response)
    request.refresh_from_db()
    assert request.rating is None and request.status == S.COMPLETED


# --- Reaching it ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "coordinator"])
def test_everyone_finds_the_form_from_the_home_page(client_for, role, ecommerce):
    body = client_for(role).get("/").content.decode()
    assert f'href="{NEW}" id="nav-request-service"' in body
    assert f'href="{NEW}" id="home-request-service"' in body
