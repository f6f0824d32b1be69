"""Issue 8: hours are approved once the activity has ended; one certificate per record
(a new one supersedes it when the record changes); a page to check a code; the personal
calendar address is made once and replaced only when the volunteer confirms it."""

import datetime
import re
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from activities import services
from activities.models import Activity, CalendarFeed, Certificate, ServiceHours
from tests.factories import ActivityFactory, SignUpFactory


def codes(error):
    return {e.code for e in error.error_list}


def english(client):
    """The language switcher's cookie (the portal ignores Accept-Language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def under_way(ecommerce):
    """Started half an hour ago, ends in an hour and a half: check-in is open."""
    start = timezone.now() - datetime.timedelta(minutes=30)
    return ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2))


def end_now(activity: Activity) -> Activity:
    """The activity's time passes: it ended a minute ago."""
    length = activity.ends_at - activity.starts_at
    ends = timezone.now() - datetime.timedelta(minutes=1)
    Activity.objects.filter(pk=activity.pk).update(starts_at=ends - length, ends_at=ends)
    activity.refresh_from_db()
    return activity


def proposed(coordinator, activity, hours="2"):
    signup = SignUpFactory(activity=activity, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal(hours))
    return signup, entry


# --- Item 2: approving waits until the activity has ended -----------------------------------


def test_hours_are_approvable_from_the_end_and_never_for_a_cancelled_activity(ecommerce):
    activity = ActivityFactory()
    assert not activity.hours_approvable(activity.ends_at - datetime.timedelta(seconds=1))
    assert activity.hours_approvable(activity.ends_at)
    activity.status = Activity.Status.CANCELLED
    assert not activity.hours_approvable(activity.ends_at + datetime.timedelta(days=1))


def test_approving_before_the_end_is_refused_and_nothing_is_approved(coordinator, under_way):
    _signup, entry = proposed(coordinator, under_way)
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        services.hours_approve(actor=coordinator, activity=under_way, entry_ids=[entry.pk])
    assert codes(refused.value) == {"not_ended"}
    ends = timezone.localtime(under_way.ends_at).strftime("%Y-%m-%d %H:%M")
    assert f"once the activity has ended, at {ends}" in refused.value.messages[0]
    entry.refresh_from_db()
    assert entry.status == ServiceHours.Status.PROPOSED and entry.approved_at is None

    result = services.hours_approve(
        actor=coordinator, activity=end_now(under_way), entry_ids=[entry.pk]
    )
    entry.refresh_from_db()
    assert result.done == 1 and entry.status == ServiceHours.Status.APPROVED


def test_the_approve_button_refused_before_the_end_says_why(client, coordinator, under_way):
    _signup, entry = proposed(coordinator, under_way)
    english(client).force_login(coordinator)
    response = client.post(
        reverse("activities:hours-approve", args=[under_way.pk]), {"entry": [entry.pk]}
    )
    assert response.status_code == 302
    assert any("once the activity has ended" in text for text in said(response))
    assert ServiceHours.objects.get(pk=entry.pk).status == ServiceHours.Status.PROPOSED


def test_corrections_and_accepted_requests_wait_for_the_end_too(
    coordinator, make_volunteer, under_way
):
    """Both write approved hours; the volunteer may still ask while it is under way."""
    user = make_volunteer()
    signup = SignUpFactory(activity=under_way, member=user.member, attended=True)
    with pytest.raises(ValidationError) as refused:
        services.hours_correct(actor=coordinator, signup=signup, hours=Decimal("1"), note="")
    assert codes(refused.value) == {"not_ended"}
    request = services.correction_request(
        actor=user, signup=signup, requested_hours=Decimal("2"), reason="我来了"
    )
    with pytest.raises(ValidationError) as refused:
        services.correction_decide(actor=coordinator, request=request, accept=True, reason="")
    assert codes(refused.value) == {"not_ended"}
    assert not ServiceHours.objects.filter(signup=signup).exists()

    end_now(under_way)
    request.signup.activity.refresh_from_db()
    services.correction_decide(actor=coordinator, request=request, accept=True, reason="")
    assert signup.hours.get(is_current=True).status == ServiceHours.Status.APPROVED


def test_the_hours_page_offers_approving_only_once_the_activity_has_ended(
    client, coordinator, under_way
):
    _signup, entry = proposed(coordinator, under_way)
    url = reverse("activities:hours", args=[under_way.pk])
    english(client).force_login(coordinator)
    html = client.get(url).content.decode()
    ends = timezone.localtime(under_way.ends_at).strftime("%Y-%m-%d %H:%M")
    assert 'id="approve-hours"' not in html and 'name="entry"' not in html
    assert 'id="hours-approve-later"' in html
    assert f"Hours can be approved once the activity has ended, at {ends}." in html
    assert 'id="propose-all"' in html  # proposing from attendance is fine meanwhile

    end_now(under_way)
    html = client.get(url).content.decode()
    assert 'id="approve-hours"' in html and f'value="{entry.pk}"' in html
    assert 'id="hours-approve-later"' not in html


# --- Item 3: one certificate per record ----------------------------------------------------


@pytest.fixture
def served(coordinator, make_volunteer, ecommerce):
    """A volunteer with 3 approved hours from an activity that ended."""
    user = make_volunteer(national_id="11010519491231002X", full_name="证书测试")
    ended = ActivityFactory(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=2) + datetime.timedelta(hours=3),
    )
    signup = SignUpFactory(activity=ended, member=user.member, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("3"))
    services.hours_approve(actor=coordinator, activity=ended, entry_ids=[entry.pk])
    return user, signup


def issue(client) -> str:
    response = client.post(reverse("activities:certificate-issue"))
    assert response.status_code == 302
    return response["Location"].rstrip("/").split("/")[-2]


def test_asking_again_gives_the_same_certificate_while_the_record_is_unchanged(client, served):
    user, _signup = served
    client.force_login(user)
    first, second = issue(client), issue(client)
    assert first == second
    assert Certificate.objects.filter(member=user.member).count() == 1
    client.get(reverse("me"))
    client.get(reverse("activities:certificate-print", args=[first]))
    assert Certificate.objects.count() == 1  # pages never issue one


def test_more_hours_give_a_new_certificate_and_the_old_one_says_it_was_superseded(
    client, coordinator, served, ecommerce
):
    user, _signup = served
    client.force_login(user)
    old_code = issue(client)
    later = end_now(ActivityFactory(starts_at=timezone.now() - datetime.timedelta(hours=5)))
    signup = SignUpFactory(activity=later, member=user.member, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("2"))
    services.hours_approve(actor=coordinator, activity=later, entry_ids=[entry.pk])

    new_code = issue(client)
    assert new_code != old_code
    old, new = Certificate.objects.get(code=old_code), Certificate.objects.get(code=new_code)
    assert new.total_hours == Decimal("5") and old.total_hours == Decimal("3")
    assert new.supersedes == old and old.superseded_at == new.issued_at
    assert new.is_current and not old.is_current
    assert issue(client) == new_code  # and that one is reused in turn

    client.logout()
    english(client)
    page = client.get(reverse("activities:certificate-verify", args=[old_code]))
    html = page.content.decode()
    superseded_on = timezone.localtime(old.superseded_at).strftime("%Y-%m-%d")
    assert page.status_code == 200 and 'id="certificate-valid"' in html  # still verifies
    assert f"This certificate was superseded on {superseded_on} by a newer certificate" in html
    # The public page does not lead from an old code to the newer record (its holder's
    # print page does).
    assert new_code not in html
    current = client.get(reverse("activities:certificate-verify", args=[new_code]))
    assert 'id="certificate-superseded"' not in current.content.decode()


def test_a_correction_to_the_same_total_still_gives_a_new_certificate(client, coordinator, served):
    """The fingerprint is of the entries, not only of the total."""
    user, signup = served
    client.force_login(user)
    old_code = issue(client)
    services.hours_correct(actor=coordinator, signup=signup, hours=Decimal("3"), note="核对")
    assert issue(client) != old_code
    assert Certificate.objects.filter(member=user.member, superseded_at__isnull=True).count() == 1


def test_a_changed_name_gives_a_new_certificate(client, served):
    user, _signup = served
    client.force_login(user)
    old_code = issue(client)
    user.member.full_name = "证书测试改名"
    user.member.save()
    new = Certificate.objects.get(code=issue(client))
    assert new.code != old_code and new.member_name == "证书测试改名"


def test_certificates_issued_before_are_chained_oldest_to_newest(make_volunteer):
    """The migration: every click used to issue one; each is superseded by the next."""
    member = make_volunteer().member
    times = [timezone.now() - datetime.timedelta(days=d) for d in (3, 2, 1)]
    # Built as the old rows would be, except that only one may be current meanwhile.
    rows = [
        Certificate.objects.create(
            code=f"OLDCODE{n}AAAA"[:12],
            member=member,
            member_name="x",
            total_hours=0,
            issuer="x",
            issued_at=at,
            superseded_at=None if n == 2 else at,
        )
        for n, at in enumerate(times)
    ]
    import_module("activities.migrations.0004_certificate_supersession").chain_existing(apps, None)
    for row in rows:
        row.refresh_from_db()
    assert rows[0].superseded_at == times[1] and rows[1].superseded_at == times[2]
    assert rows[2].superseded_at is None
    assert rows[1].supersedes_id == rows[0].pk and rows[2].supersedes_id == rows[1].pk


# --- Item 11: a page to check a code -------------------------------------------------------


def test_the_footer_links_to_the_page_where_anyone_checks_a_code(client, ecommerce):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("activities:certificate-lookup")}"' in html
    page = client.get(reverse("activities:certificate-lookup"))
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    assert 'id="certificate-invalid"' not in page.content.decode()


def test_a_good_code_as_typed_goes_to_its_verification_page(client, served):
    user, _signup = served
    certificate = services.certificate_issue(actor=user, member=user.member)
    typed = f" {certificate.code[:4].lower()} {certificate.code[4:8]}-{certificate.code[8:]} "
    response = client.get(reverse("activities:certificate-lookup"), {"code": typed})
    assert response["Location"] == reverse("activities:certificate-verify", args=[certificate.code])


@pytest.mark.parametrize(
    "typed",
    ["ABCDEFGHJKLM", "abc", "0O1I0O1I0O1I", "<script>x</script>", "证书" * 5, "A" * 5000, "%00"],
)
def test_an_unknown_or_malformed_code_is_said_on_the_same_page(client, ecommerce, typed):
    response = client.get(reverse("activities:certificate-lookup"), {"code": typed})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="certificate-invalid"' in html
    assert "没有编号" in html and 'name="code"' in html
    assert "<script>x" not in html


@pytest.mark.parametrize("path", ["%00", "abc", "A" * 300, "ABCD-EFGH-JKLM"])
def test_a_malformed_code_in_the_address_is_a_404_with_the_form(client, ecommerce, path):
    response = client.get(f"/certificates/{path}/")
    if "%00" in path:  # a control character in the address: refused before any view (400)
        assert response.status_code == 400
        return
    assert response.status_code == 404 and 'id="certificate-lookup-form"' in (
        response.content.decode()
    )


def test_an_empty_code_asks_for_one(client, ecommerce):
    response = client.get(reverse("activities:certificate-lookup"), {"code": "  "})
    assert response.status_code == 200 and 'id="certificate-invalid"' in response.content.decode()


def test_the_verification_page_has_column_headers_and_a_form_for_another_code(client, served):
    user, _signup = served
    certificate = services.certificate_issue(actor=user, member=user.member)
    html = client.get(
        reverse("activities:certificate-verify", args=[certificate.code])
    ).content.decode()
    table = re.search(r'<table[^>]*id="certificate-activities".*?</table>', html, re.S).group()
    assert table.count('<th scope="col"') == 4 and "<thead>" in table
    missing = client.get(reverse("activities:certificate-verify", args=["NOTACODE"]))
    assert missing.status_code == 404 and 'id="certificate-lookup-form"' in missing.content.decode()


def test_the_printed_certificate_has_a_qr_code_and_the_address_to_type_the_code(client, served):
    user, _signup = served
    client.force_login(user)
    code = issue(client)
    html = client.get(reverse("activities:certificate-print", args=[code])).content.decode()
    assert "<svg" in html and 'class="certificate-qr"' in html
    assert f"http://testserver{reverse('activities:certificate-lookup')}" in html
    assert "onclick" not in html  # no inline script: a content security policy is coming


# --- Item 13: the personal calendar address --------------------------------------------------


def test_the_first_address_is_made_without_talk_of_an_old_one(client, volunteer):
    english(client).force_login(volunteer)
    html = client.get(reverse("me")).content.decode()
    assert "Create my calendar address" in html and 'id="feed-url"' not in html
    response = client.post(reverse("activities:feed-regenerate"))
    feed = CalendarFeed.objects.get(member=volunteer.member)
    (message,) = said(response)
    assert "ready" in message and "old" not in message
    html = client.get(reverse("me")).content.decode()
    https = f"http://testserver{reverse('activities:feed-personal', args=[feed.token])}"
    assert f'value="{https}"' in html
    assert f'href="webcal://testserver/feeds/me/{feed.token}.ics"' in html
    assert 'data-copy="#feed-url"' in html and "js/copy.js" in html


def test_a_new_address_needs_the_volunteers_confirmation(client, volunteer):
    english(client).force_login(volunteer)
    feed = services.calendar_feed_regenerate(actor=volunteer, member=volunteer.member)
    token = feed.token
    url = reverse("activities:feed-regenerate")

    with pytest.raises(ValidationError) as refused:
        services.calendar_feed_regenerate(actor=volunteer, member=volunteer.member)
    assert codes(refused.value) == {"confirm"}
    response = client.post(url)  # the form without its confirmation
    assert response["Location"].startswith(reverse("me") + "?calendar=new")
    feed.refresh_from_db()
    assert feed.token == token

    html = client.get(reverse("me")).content.decode()
    assert 'id="feed-new"' in html and 'id="feed-confirm"' not in html
    html = client.get(reverse("me"), {"calendar": "new"}).content.decode()
    assert 'id="feed-confirm"' in html and "the old address stops working" in html
    assert 'name="confirm" value="yes"' in html
    feed.refresh_from_db()
    assert feed.token == token  # showing the question changes nothing

    response = client.post(url, {"confirm": "yes"})
    feed.refresh_from_db()
    assert feed.token != token
    assert any("the old one no longer works" in text for text in said(response))
    old = reverse("activities:feed-personal", args=[token])
    assert client.get(old).status_code == 404


# --- Every button these pages show works when pressed ----------------------------------------


def test_the_hours_buttons_work_while_the_activity_is_under_way(client, coordinator, under_way):
    """Proposed and unrecorded rows, and a request: setting works, nothing offers approving."""
    from tests.test_buttons_work import press_every_button

    _signup, entry = proposed(coordinator, under_way)
    SignUpFactory(activity=under_way, attended=True)
    url = reverse("activities:hours", args=[under_way.pk])
    page = press_every_button(client, coordinator, url, at_least=3)
    assert reverse("activities:hours-approve", args=[under_way.pk]) not in {
        form.action for form in page.forms if form.buttons
    }
    assert not any("correct" in action for action in page.actions)


@pytest.mark.parametrize("step", ["", "?calendar=new"])
def test_the_calendar_buttons_on_my_page_work_with_an_address(client, volunteer, step):
    from tests.test_buttons_work import press_every_button

    services.calendar_feed_regenerate(actor=volunteer, member=volunteer.member)
    page = press_every_button(client, volunteer, reverse("me") + step, at_least=1)
    regenerate = reverse("activities:feed-regenerate")
    assert (regenerate in page.actions) == bool(step)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_clicks_at_once_give_one_certificate(make_volunteer, coordinator, ecommerce):
    """The member row is the lock: the first click issues, the others reuse it."""
    from tests.activities.test_concurrency import run_together

    user = make_volunteer()
    start = timezone.now() - datetime.timedelta(days=1)
    ended = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    signup = SignUpFactory(activity=ended, member=user.member, attended=True)
    entry = services.hours_propose(actor=coordinator, signup=signup, hours=Decimal("2"))
    services.hours_approve(actor=coordinator, activity=ended, entry_ids=[entry.pk])
    errors, _ = run_together(
        [lambda: services.certificate_issue(actor=user, member=user.member) for _ in range(8)]
    )
    assert errors == []
    assert Certificate.objects.filter(member=user.member).count() == 1


def test_completing_an_activity_under_way_says_when_hours_can_be_approved(
    client, coordinator, under_way
):
    """Completing is allowed once started; it must not invite an approval that is refused."""
    client.force_login(english(client) and coordinator)
    response = client.post(
        reverse("activities:activity-complete", args=[under_way.pk]),
        {"beneficiaries": "30", "report": "ok"},
        follow=True,
    )
    under_way.refresh_from_db()
    assert under_way.status == "completed"
    text = " ".join(said(response))
    assert "once it has ended" in text and "Now approve" not in text


def test_no_certificate_for_a_record_without_approved_hours(client, volunteer):
    """Nothing to certify: the button is not shown, and pressing it anyway issues nothing."""
    client.force_login(volunteer)
    page = client.get(reverse("me")).content.decode()
    assert 'id="issue-certificate"' not in page
    response = client.post(reverse("activities:certificate-issue"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("me")
    assert "审核通过的服务时长" in " ".join(said(response)) or said(response)
    assert not Certificate.objects.exists()
    with pytest.raises(ValidationError) as refused:
        services.certificate_issue(actor=volunteer, member=volunteer.member)
    assert codes(refused.value) == {"no_hours"}


def test_the_certificate_button_works_once_there_are_approved_hours(client, served):
    from tests.test_buttons_work import press_every_button

    user, _signup = served
    page = press_every_button(client, user, reverse("me"), at_least=2)
    assert reverse("activities:certificate-issue") in page.actions


def test_an_activity_under_way_keeps_its_times(client, coordinator, under_way):
    """Moving the end earlier must not open the way to approving hours before the end."""
    _signup, entry = proposed(coordinator, under_way)
    original_end = under_way.ends_at
    under_way.ends_at = timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        services.activity_save(actor=coordinator, activity=under_way)
    assert "ends_at" in refused.value.message_dict
    under_way.refresh_from_db()
    assert under_way.ends_at == original_end
    with pytest.raises(ValidationError):
        services.hours_approve(actor=coordinator, activity=under_way, entry_ids=[entry.pk])
    # The edit form shows the times as fixed, and other fields still save.
    client.force_login(coordinator)
    url = reverse("activities:activity-edit", args=[under_way.pk])
    form = client.get(url).context["form"]
    assert form.fields["ends_at"].disabled and form.fields["starts_at"].disabled


def test_an_activity_not_yet_started_may_move(coordinator, ecommerce):
    activity = ActivityFactory(starts_at=timezone.now() + datetime.timedelta(days=1))
    activity.ends_at = activity.starts_at + datetime.timedelta(hours=5)
    services.activity_save(actor=coordinator, activity=activity)
    activity.refresh_from_db()
    assert activity.ends_at - activity.starts_at == datetime.timedelta(hours=5)


@pytest.mark.parametrize("code", ["%00", "A%00B", "%00" * 12, "abcd"])
def test_a_malformed_code_on_the_print_page_is_a_404(client, served, code):
    """Not found; an address with a control character is refused before (400)."""
    client.force_login(served[0])
    expected = 400 if "%00" in code else 404
    assert client.get(f"/certificates/{code}/print/").status_code == expected


def test_a_copy_of_a_past_activity_gets_new_dates(client, coordinator, ecommerce):
    """The copy is a draft: its times are the user's to set, whatever the original's."""
    start = timezone.now() - datetime.timedelta(days=30)
    past = ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    copy = services.activity_copy(actor=coordinator, activity=past)
    client.force_login(coordinator)
    form = client.get(reverse("activities:activity-edit", args=[copy.pk])).context["form"]
    assert not form.fields["starts_at"].disabled
    copy.starts_at = timezone.now() + datetime.timedelta(days=7)
    copy.ends_at = copy.starts_at + datetime.timedelta(hours=2)
    services.activity_save(actor=coordinator, activity=copy)
    copy.refresh_from_db()
    assert copy.starts_at > timezone.now()


def test_the_admin_keeps_the_times_of_an_activity_under_way(admin_client, under_way):
    page = admin_client.get(reverse("admin:activities_activity_change", args=[under_way.pk]))
    assert 'name="starts_at' not in page.content.decode()
    assert 'name="ends_at' not in page.content.decode()
