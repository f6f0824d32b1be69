"""QR check-in, attendance, hours and their approval, corrections, stars, certificates."""

import datetime
from decimal import Decimal

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from activities import selectors, services
from activities.models import Certificate, ServiceHours, SignUp
from activities.selectors import star_level
from tests.factories import ActivityFactory, SignUpFactory


@pytest.fixture
def soon(ecommerce):
    """An activity starting in ten minutes, three hours long."""
    start = timezone.now() + datetime.timedelta(minutes=10)
    return ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))


def codes(error):
    return {e.code for e in error.error_list}


def ended(activity):
    """Time passes: the activity ended a minute ago (hours are approved after the end)."""
    from activities.models import Activity

    length = activity.ends_at - activity.starts_at
    ends = timezone.now() - datetime.timedelta(minutes=1)
    Activity.objects.filter(pk=activity.pk).update(starts_at=ends - length, ends_at=ends)
    activity.refresh_from_db()
    return activity


def test_a_confirmed_volunteer_checks_in_by_scanning_the_code(client, make_volunteer, soon):
    user = make_volunteer()
    SignUpFactory(activity=soon, member=user.member)
    token = selectors.checkin_token(soon)
    client.force_login(user)
    page = client.get(reverse("activities:checkin", args=[token]))
    assert soon.title in page.content.decode()
    client.post(reverse("activities:checkin", args=[token]))
    signup = SignUp.objects.get(member=user.member)
    assert signup.checked_in_at and signup.attended


def test_a_forged_code_is_refused_with_a_message(client, make_volunteer, soon):
    client.force_login(make_volunteer())
    token = selectors.checkin_token(soon)[:-3] + "abc"
    response = client.post(reverse("activities:checkin", args=[token]))
    assert response.status_code == 400
    assert "签到码无效" in response.content.decode()
    forged = signing.dumps({"a": soon.pk, "s": soon.starts_at.isoformat()}, salt="wrong")
    with pytest.raises(ValidationError) as refused:
        selectors.activity_for_token(forged)
    assert codes(refused.value) == {"forged"}


def test_a_code_outside_the_activitys_time_is_refused(make_volunteer, soon):
    user = make_volunteer()
    SignUpFactory(activity=soon, member=user.member)
    for moment in (
        soon.starts_at - datetime.timedelta(hours=2),  # the day before, say
        soon.ends_at + datetime.timedelta(minutes=1),  # the screen left on after the end
    ):
        token = selectors.checkin_token(soon, now=moment)
        with pytest.raises(ValidationError) as refused:
            services.checkin_with_token(actor=user, token=token, now=moment)
        assert codes(refused.value) == {"outside_window"}


PERIOD = datetime.timedelta(seconds=selectors.CHECKIN_CODE_SECONDS)


def test_a_code_works_in_its_minute_and_the_next_then_expires(make_volunteer, soon):
    """A photo of the code sent home is useless a minute or two later."""
    user = make_volunteer()
    SignUpFactory(activity=soon, member=user.member)
    shown = soon.starts_at
    token = selectors.checkin_token(soon, now=shown)
    assert selectors.checkin_token(soon, now=shown + PERIOD) != token  # it rotates
    assert selectors.activity_for_token(token, now=shown) == soon
    with pytest.raises(ValidationError) as refused:
        services.checkin_with_token(actor=user, token=token, now=shown + 2 * PERIOD)
    assert codes(refused.value) == {"expired"}
    # Scanned just as the screen changed: the previous code still counts.
    services.checkin_with_token(actor=user, token=token, now=shown + PERIOD)
    assert SignUp.objects.get(member=user.member).checked_in_at == shown + PERIOD


def test_an_expired_code_is_refused_with_a_clear_message(client, make_volunteer, soon):
    user = make_volunteer()
    SignUpFactory(activity=soon, member=user.member)
    client.force_login(user)
    token = selectors.checkin_token(soon, now=timezone.now() - 2 * PERIOD)
    url = reverse("activities:checkin", args=[token])
    expected = escape(gettext(selectors.CHECKIN_EXPIRED_MESSAGE))
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert expected in response.content.decode()
    assert SignUp.objects.get(member=user.member).checked_in_at is None


def test_a_code_of_the_old_kind_without_a_period_has_expired(soon):
    old = signing.dumps(
        {"a": soon.pk, "s": soon.starts_at.isoformat()}, salt=selectors.CHECKIN_SALT
    )
    with pytest.raises(ValidationError) as refused:
        selectors.activity_for_token(old)
    assert codes(refused.value) == {"expired"}


def test_a_tampered_code_is_refused(client, make_volunteer, soon, ecommerce):
    """The signature covers the activity and the period: neither can be swapped."""
    other = ActivityFactory(group=ecommerce, starts_at=soon.starts_at, ends_at=soon.ends_at)
    token = selectors.checkin_token(soon)
    later = selectors.checkin_token(soon, now=timezone.now() + 10 * PERIOD)
    elsewhere = selectors.checkin_token(other)
    signature = token.rsplit(":", 1)[1]
    for tampered in (
        later.rsplit(":", 1)[0] + ":" + signature,  # a period of its own choosing
        elsewhere.rsplit(":", 1)[0] + ":" + signature,  # another activity
    ):
        with pytest.raises(ValidationError) as refused:
            selectors.activity_for_token(tampered)
        assert codes(refused.value) == {"forged"}
    client.force_login(make_volunteer())
    response = client.post(reverse("activities:checkin", args=[tampered]))
    assert response.status_code == 400


def test_the_coordinators_screen_refreshes_the_code_from_its_own_file(client, coordinator, soon):
    client.force_login(coordinator)
    page = client.get(reverse("activities:qr", args=[soon.pk])).content.decode()
    refresh = reverse("activities:qr-refresh", args=[soon.pk])
    assert f'data-qr-refresh="{refresh}"' in page and "js/checkin-qr.js" in page
    assert "<script>" not in page
    response = client.get(refresh)
    assert "no-store" in response["Cache-Control"]
    fresh = response.json()
    assert "<svg" in fresh["svg"]
    token = fresh["url"].rstrip("/").rsplit("/", 1)[1]
    assert selectors.activity_for_token(token) == soon
    assert fresh["url"] == f"http://testserver{reverse('activities:checkin', args=[token])}"


def test_a_code_of_a_rescheduled_activity_is_stale(make_volunteer, soon):
    token = selectors.checkin_token(soon)
    soon.starts_at += datetime.timedelta(days=1)
    soon.ends_at += datetime.timedelta(days=1)
    soon.save()
    with pytest.raises(ValidationError) as refused:
        selectors.activity_for_token(token)
    assert codes(refused.value) == {"stale"}


def test_only_confirmed_volunteers_check_in(make_volunteer, soon):
    user = make_volunteer()
    SignUpFactory(activity=soon, member=user.member, status="waiting")
    with pytest.raises(ValidationError) as refused:
        services.checkin_with_token(actor=user, token=selectors.checkin_token(soon))
    assert codes(refused.value) == {"not_signed_up"}


def test_the_qr_page_shows_an_svg_code_to_coordinators(client, coordinator, soon):
    client.force_login(coordinator)
    html = client.get(reverse("activities:qr", args=[soon.pk])).content.decode()
    assert "<svg" in html and "/checkin/" in html


def test_hours_come_from_check_in_and_out_or_the_activitys_length(soon):
    signup = SignUpFactory(activity=soon)
    assert selectors.default_hours(signup) == Decimal("3.00")
    signup.checked_in_at = soon.starts_at
    signup.checked_out_at = soon.starts_at + datetime.timedelta(hours=1, minutes=30)
    assert selectors.default_hours(signup) == Decimal("1.50")


def test_approved_hours_are_locked_and_a_correction_is_a_new_entry(coordinator, soon):
    signup = SignUpFactory(activity=soon, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("2.5"))
    services.hours_approve(
        actor=coordinator,
        activity=ended(soon),
        entry_ids=ServiceHours.objects.values_list("pk", flat=True),
    )
    entry.refresh_from_db()
    assert entry.status == "approved" and entry.approved_by == coordinator
    with pytest.raises(ValidationError) as refused:
        services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("4"))
    assert codes(refused.value) == {"locked"}
    correction = services.hours_correct(
        actor=coordinator, signup=signup, hours=Decimal("3"), note="迟到"
    )
    entry.refresh_from_db()
    assert entry.hours == Decimal("2.5") and not entry.is_current  # the old record stays
    assert correction.supersedes == entry and correction.is_current
    assert ServiceHours.history.filter(id=entry.pk).count() >= 3  # proposed, approved, superseded


def test_a_volunteer_asks_for_a_correction_and_the_coordinator_accepts(
    client, coordinator, make_volunteer, soon
):
    user = make_volunteer()
    signup = SignUpFactory(activity=soon, member=user.member, attended=True)
    services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("1"))
    services.hours_approve(
        actor=coordinator,
        activity=ended(soon),
        entry_ids=ServiceHours.objects.values_list("pk", flat=True),
    )
    client.force_login(user)
    client.post(
        reverse("activities:correction-request", args=[signup.pk]),
        {"requested_hours": "3", "reason": "我一直待到结束"},
    )
    request = signup.corrections.get()
    with pytest.raises(ValidationError):  # one open request at a time
        services.correction_request(
            actor=user, signup=signup, requested_hours=Decimal("4"), reason="again"
        )
    services.correction_decide(actor=coordinator, request=request, accept=True, reason="")
    current = signup.hours.get(is_current=True)
    assert current.hours == Decimal("3") and current.status == "approved"


def test_rejecting_a_correction_needs_a_reason(coordinator, make_volunteer, soon):
    user = make_volunteer()
    signup = SignUpFactory(activity=soon, member=user.member, attended=True)
    request = services.correction_request(
        actor=user, signup=signup, requested_hours=Decimal("5"), reason="x"
    )
    ended(soon)  # requests are decided once the activity has ended
    request.signup.activity.refresh_from_db()
    with pytest.raises(ValidationError):
        services.correction_decide(actor=coordinator, request=request, accept=False, reason="")
    services.correction_decide(
        actor=coordinator, request=request, accept=False, reason="签到记录显示 1 小时"
    )
    request.refresh_from_db()
    assert request.status == "rejected"


def test_another_groups_coordinator_cannot_approve_hours(other_coordinator, soon):
    signup = SignUpFactory(activity=soon)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.hours_propose(actor=other_coordinator, signup=signup)


@pytest.mark.parametrize(
    ("hours", "stars", "to_next"),
    [
        ("0", 0, "100"),
        ("99.5", 0, "0.5"),
        ("100", 1, "200"),
        ("299.99", 1, "0.01"),
        ("1500", 5, None),
    ],
)
def test_star_levels_at_their_edges(hours, stars, to_next):
    level = star_level(Decimal(hours))
    assert level.stars == stars
    assert level.to_next == (Decimal(to_next) if to_next else None)


@override_settings(STAR_THRESHOLDS=[50, 150])
def test_star_thresholds_are_configurable():
    assert star_level(Decimal("60")).stars == 1
    assert star_level(Decimal("150")).stars == 2


def test_a_certificate_freezes_the_record_and_anyone_can_verify_it(
    client, coordinator, make_volunteer, soon
):
    user = make_volunteer(national_id="11010519491231002X", full_name="证书测试")
    signup = SignUpFactory(activity=soon, member=user.member, attended=True)
    services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("3"))
    services.hours_approve(
        actor=coordinator,
        activity=ended(soon),
        entry_ids=ServiceHours.objects.values_list("pk", flat=True),
    )
    client.force_login(user)
    response = client.post(reverse("activities:certificate-issue"))
    certificate = Certificate.objects.get()
    assert response["Location"] == reverse("activities:certificate-print", args=[certificate.code])
    assert (
        certificate.total_hours == Decimal("3")
        and certificate.masked_national_id == "110***********002X"
    )
    client.logout()
    page = client.get(reverse("activities:certificate-verify", args=[certificate.code.lower()]))
    html = page.content.decode()
    assert page.status_code == 200 and "证书测试" in html and soon.title in html
    # Never more than the certificate shows: no phone, no full identity number.
    assert user.member.phone not in html and "11010519491231002X" not in html
    missing = client.get(reverse("activities:certificate-verify", args=["NOTACODE1234"]))
    assert missing.status_code == 404 and "没有编号" in missing.content.decode()


def test_someone_elses_certificate_cannot_be_printed(
    client, coordinator, make_volunteer, ecommerce
):
    owner, other = make_volunteer(), make_volunteer()
    start = timezone.now() - datetime.timedelta(days=1)
    ended = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    signup = SignUpFactory(activity=ended, member=owner.member, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("2"))
    services.hours_approve(actor=coordinator, activity=ended, entry_ids=[entry.pk])
    certificate = services.certificate_issue(actor=owner, member=owner.member)
    client.force_login(other)
    response = client.get(reverse("activities:certificate-print", args=[certificate.code]))
    assert response.status_code == 404


def test_the_attendance_sheet_saves_all_rows_or_none(client, coordinator, soon):
    a, b = SignUpFactory(activity=soon), SignUpFactory(activity=soon)
    client.force_login(coordinator)
    url = reverse("activities:attendance", args=[soon.pk])
    page = client.get(url)
    assert page.status_code == 200
    ordered = [f.initial["signup"] for f in page.context["formset"]]
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-signup": ordered[0],
        "form-0-attended": "true",
        "form-0-checked_in_at": "2030-01-01T09:00",
        "form-0-checked_out_at": "2030-01-01T08:00",  # before check-in: refused
        "form-1-signup": ordered[1],
        "form-1-attended": "false",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "签出时间必须晚于签到时间" in response.content.decode()
    assert not SignUp.objects.filter(attended__isnull=False).exists()
    data["form-0-checked_out_at"] = "2030-01-01T11:30"
    client.post(url, data)
    assert dict(SignUp.objects.values_list("pk", "attended")) == {
        ordered[0]: True,
        ordered[1]: False,
    }
    assert {a.pk, b.pk} == set(ordered)


def test_hours_are_only_for_confirmed_participants_and_never_self_approved(
    coordinator, make_volunteer, soon
):
    removed = SignUpFactory(activity=soon, status="removed", attended=True)
    with pytest.raises(ValidationError) as refused:
        services.hours_propose(actor=coordinator, signup=removed, hours=Decimal("2"))
    assert codes(refused.value) == {"not_confirmed"}
    own = SignUpFactory(activity=soon, member=coordinator.member, attended=True)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.hours_propose(actor=coordinator, signup=own, hours=Decimal("10"))


def test_the_hours_page_refuses_bad_ids_and_values_without_a_500(client, coordinator, soon):
    SignUpFactory(activity=soon)
    other = SignUpFactory(activity=ActivityFactory())
    client.force_login(coordinator)
    for url in (
        reverse("activities:hours-set", args=[soon.pk, 999_999]),
        reverse("activities:hours-set", args=[soon.pk, other.pk]),  # another activity's row
        reverse("activities:correction-decide", args=[soon.pk, 999_999]),
    ):
        assert client.post(url, {"hours": "1", "decision": "accept"}).status_code == 404
    approve = reverse("activities:hours-approve", args=[soon.pk])
    assert client.post(approve, {"entry": ["x", "-1", "9" * 30]}).status_code == 302
    target = SignUp.objects.get(activity=soon)
    url = reverse("activities:hours-set", args=[soon.pk, target.pk])
    response = client.post(url, {"hours": "300"}, follow=True)
    assert response.status_code == 200 and "240" in response.content.decode()
    assert not target.hours.exists()


def test_the_hours_page_costs_the_same_queries_for_2_and_12_participants(client, coordinator, soon):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    url = reverse("activities:hours", args=[soon.pk])

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(2):
        SignUpFactory(activity=soon)
    small = measure()
    for _ in range(10):
        SignUpFactory(activity=soon)
    assert measure() == small


def test_a_far_month_in_the_calendar_is_not_an_error(client, ecommerce):
    for month in ("9999-12", "0001-01", "2026-13", "abc"):
        url = reverse("activities:activity-list") + f"?view=calendar&month={month}"
        assert client.get(url).status_code == 200


def test_attendance_and_hours_wait_for_the_activity_and_never_for_a_cancelled_one(
    coordinator, ecommerce
):
    next_week = ActivityFactory(
        starts_at=timezone.now() + datetime.timedelta(days=7),
        ends_at=timezone.now() + datetime.timedelta(days=7, hours=2),
    )
    signup = SignUpFactory(activity=next_week)
    with pytest.raises(ValidationError) as refused:
        services.attendance_save(
            actor=coordinator,
            activity=next_week,
            rows=[services.AttendanceRow(signup.pk, True, None, None)],
        )
    assert codes(refused.value) == {"not_started"}
    next_week.status = "cancelled"
    next_week.save()
    with pytest.raises(ValidationError) as refused:
        services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("2"))
    assert codes(refused.value) == {"cancelled"}


def test_the_attendance_sheet_costs_the_same_queries_at_5_and_50_rows(client, coordinator):
    """Issue 12: each row's sign-up is checked against the sheet already loaded (before, a
    query per row, and every row built its own list of all the sheet's ids)."""
    client.force_login(coordinator)
    sizes = {}
    for n in (5, 50):
        start = timezone.now() - datetime.timedelta(hours=2)
        activity = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
        signups = [SignUpFactory(activity=activity) for _ in range(n)]
        url = reverse("activities:attendance", args=[activity.pk])
        ordered = [f.initial["signup"] for f in client.get(url).context["formset"]]
        data = {"form-TOTAL_FORMS": str(n), "form-INITIAL_FORMS": str(n)}
        for i, pk in enumerate(ordered):
            data[f"form-{i}-signup"] = pk
            data[f"form-{i}-attended"] = "true" if i % 2 else "false"
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, data).status_code == 302
        sizes[n] = len(queries)
        assert SignUp.objects.filter(activity=activity, attended__isnull=False).count() == n
        assert len(signups) == n
    assert sizes[5] == sizes[50], sizes


def test_an_attendance_row_for_someone_not_on_the_sheet_is_a_row_error(client, coordinator, soon):
    mine = SignUpFactory(activity=soon)
    stranger = SignUpFactory()  # another activity's sign-up
    client.force_login(coordinator)
    url = reverse("activities:attendance", args=[soon.pk])
    data = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "1",
            "form-0-signup": mine.pk, "form-0-attended": "true",
            "form-1-signup": stranger.pk, "form-1-attended": "true"}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 200
    assert not SignUp.objects.filter(attended__isnull=False).exists()


def test_the_volunteers_page_adds_the_hours_up_in_the_database(client, volunteer):
    """Issue 12: the total (and the stars) is one SQL sum of the approved current entries,
    whatever their number: the same queries at 5 and at 50 entries."""
    client.force_login(volunteer)
    sizes = {}
    for n in (5, 50):
        mine = ServiceHours.objects.filter(signup__member=volunteer.member, status="approved")
        while mine.count() < n:
            start = timezone.now() - datetime.timedelta(days=2 + ServiceHours.objects.count())
            activity = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
            signup = SignUpFactory(activity=activity, member=volunteer.member, attended=True)
            ServiceHours.objects.create(
                signup=signup, hours=Decimal("2.5"), status=ServiceHours.Status.APPROVED,
                approved_at=activity.ends_at,
            )  # fmt: skip
        pending = SignUpFactory(member=volunteer.member, activity=ActivityFactory(
            starts_at=timezone.now() - datetime.timedelta(days=900),
            ends_at=timezone.now() - datetime.timedelta(days=900, hours=-2)))  # fmt: skip
        ServiceHours.objects.create(signup=pending, hours=Decimal("9"))  # not approved
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("me"))
        sizes[n] = len(queries)
        assert response.context["total_hours"] == Decimal("2.5") * n
        # Besides the current entry of each past sign-up shown (a subquery of the sliced
        # service record), no hours row is loaded: the total is a sum.
        hours_reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")
                       and 'FROM "activities_servicehours"' in q["sql"]]  # fmt: skip
        record = [sql for sql in hours_reads if sql.startswith('SELECT "activities_signup"')]
        assert len(record) == 1 and record[0].endswith("LIMIT 11")
        totals = [sql for sql in hours_reads if sql not in record]
        assert totals and all("SUM(" in sql for sql in totals)
    assert sizes[5] == sizes[50], sizes
