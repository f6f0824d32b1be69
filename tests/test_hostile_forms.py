"""Hostile input, every form (issue 9, finding 15): field errors or success, never a 500,
nothing echoed as live markup, nothing half-saved when refused.

Each test drives one form (or a few small ones) through ``tests.hostile.sweep``: a valid
baseline, one field at a time replaced by each hostile value of its kind, left out, and
sent twice. The failures are listed together at the end. A form of many fields, or one
reached from several pages, is swept in turn (``rotate``): every field gets its kind's
first value, the other values take turns. The rule for text itself (every control
character, every form) is tested in tests/test_plain_text_rule.py.
"""

import datetime
import io
from urllib.parse import quote

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from activities.models import Activity, HoursCorrectionRequest, SignUp, Theme
from groups.models import Membership
from members.models import DeletionRequest, Invitation, Member, Skill
from tests.factories import (
    ActivityFactory,
    MemberFactory,
    MembershipFactory,
    SignUpFactory,
)
from tests.hostile import (
    BOOLEAN,
    CHOICE,
    CONTROL,
    DATE,
    DATETIME,
    LINE_BREAKS,
    LONG,
    MARKUP,
    NUMBER,
    SECRET,
    TEXT,
    Form,
    assert_no_failures,
    submit,
    sweep,
)

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
NEW_PASSWORD = "a-long-pass-2026"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """The sweep submits a form hundreds of times: the limits on strangers' attempts
    (tested elsewhere) would answer most of them with "try again later"."""
    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "100000/m")
    settings.AXES_FAILURE_LIMIT = 100_000


def text(*names) -> dict:
    return dict.fromkeys(names, TEXT)


def one_line(*names) -> dict:
    """Single-line text fields: control characters and line breaks are refused."""
    return dict.fromkeys(names, CONTROL + LINE_BREAKS)


def many_lines(*names) -> dict:
    """Multi-line text fields: control characters are refused, line breaks kept."""
    return dict.fromkeys(names, CONTROL)


def png(name="p.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def a_member_of(group, **fields) -> Member:
    member = MemberFactory(**fields)
    MembershipFactory(group=group, member=member)
    return member


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- Accounts: sign-up, login, passwords, invitations ----------------------------------


def test_signup(client, db):
    form = Form(
        "signup",
        reverse("signup"),
        lambda i: {
            "full_name": "陈小明",
            "phone": f"1390000{i:04d}",
            "email": f"s{i}@example.com",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        {**text("full_name", "phone", "email"), "password1": SECRET, "password2": SECRET},
        refuse=one_line("full_name"),
        before=lambda i: client.logout(),
    )
    assert_no_failures(sweep(client, form))


def test_login_and_password_reset(client, volunteer):
    login = Form(
        "login",
        reverse("login"),
        {"username": "vol", "password": PASSWORD},
        {"username": TEXT, "password": SECRET},
        before=lambda i: client.logout(),
    )
    reset = Form("password-reset", reverse("password_reset"), {"email": "vol@example.com"},
                 text("email"))  # fmt: skip
    assert_no_failures(sweep(client, login) + sweep(client, reset))


def test_new_password_after_a_reset_and_password_change(client, volunteer):
    uid = urlsafe_base64_encode(force_bytes(volunteer.pk))

    def fresh_reset_link(i):
        volunteer.set_password(PASSWORD)
        volunteer.save(update_fields=["password"])
        token = default_token_generator.make_token(volunteer)
        client.get(reverse("password_reset_confirm", args=[uid, token]))  # keeps it in session

    passwords = {"new_password1": SECRET, "new_password2": SECRET}
    baseline = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    reset = Form(
        "reset-confirm",
        reverse("password_reset_confirm", args=[uid, "set-password"]),
        baseline,
        passwords,
        before=fresh_reset_link,
    )

    def logged_in_with_old_password(i):
        fresh_reset_link(i)
        client.force_login(volunteer)

    change = Form(
        "password-change",
        reverse("password_change"),
        {**baseline, "old_password": PASSWORD},
        {**passwords, "old_password": SECRET},
        before=logged_in_with_old_password,
    )
    assert_no_failures(sweep(client, reset) + sweep(client, change))


def test_invitation_accept(client, coordinator, ecommerce):
    from members import services

    def url(i):
        member = a_member_of(ecommerce, phone=f"1370000{i:04d}", email="")
        invitation = services.invitation_create(
            actor=coordinator, member=member, channel=Invitation.Channel.IN_PERSON
        )
        return reverse("invitation-accept", args=[invitation.token])

    form = Form(
        "invitation-accept",
        url,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        {"password1": SECRET, "password2": SECRET},
        before=lambda i: client.logout(),
    )
    assert_no_failures(sweep(client, form))


def test_language_switcher(client, volunteer):
    client.force_login(volunteer)
    form = Form(
        "set-language",
        reverse("set_language"),
        {"language": "en", "next": "/activities/"},
        {"language": CHOICE, "next": [*TEXT, "//evil.example/", "javascript:alert(1)"]},
    )
    assert_no_failures(sweep(client, form))


# --- Member records ----------------------------------------------------------------------

PROFILE_ONE_LINE = ("full_name", "employer", "job_title")
PROFILE_MANY_LINES = ("qualifications", "bio")
PROFILE_REFUSE = {**one_line(*PROFILE_ONE_LINE), **many_lines(*PROFILE_MANY_LINES)}


def profile_fields(national_id: bool = True) -> dict:
    fields = {
        **text(*PROFILE_ONE_LINE, "phone", "email", *PROFILE_MANY_LINES),
        **dict.fromkeys(
            [
                "gender",
                "personnel_category",
                "political_status",
                "industry",
                "education",
                "district",
                "skills",
            ],
            CHOICE,
        ),  # fmt: skip
        "birth_year": NUMBER,
        "birth_date": DATE,
        "available_weekends": BOOLEAN,
    }
    if national_id:
        fields["national_id"] = [*TEXT, "11010519491231002x", "110105194912310021"]
    return fields


def profile(phone: str) -> dict:
    return {
        "full_name": "陈小明",
        "phone": phone,
        "email": "xm@example.com",
        "personnel_category": "freelancer",
        "political_status": "citizen",
        "district": "longhai",
        "birth_year": "1990",
        "birth_date": "1990-05-01",
        "skills": [Skill.objects.order_by("pk").first().pk],
        "available_weekends": "on",
        "bio": "乐于助人",
    }


def test_member_edit_by_a_coordinator(client, coordinator, ecommerce):
    member = a_member_of(ecommerce, phone="13900000001")
    client.force_login(coordinator)
    form = Form(
        "member-edit",
        reverse("members:member-edit", args=[member.pk]),
        lambda i: profile(member.phone),
        profile_fields(national_id=False),
        refuse=PROFILE_REFUSE,
        rotate=True,
    )
    assert_no_failures(sweep(client, form))


# The same form from the volunteer's own page and the roster's "add": what differs is the
# service behind it (creating a record, joining the group, the identity number).
SECOND_VIEW = {
    "full_name": TEXT,
    "skills": CHOICE,
    "birth_date": DATE,
    "national_id": [LONG, "a\x00b", "11010519491231002x", "110105194912310021"],
}


def test_own_profile_and_member_add(client, coordinator, volunteer, ecommerce):
    client.force_login(volunteer)
    own = Form(
        "me-edit",
        reverse("members:me-edit"),
        lambda i: profile(volunteer.member.phone),
        SECOND_VIEW,
        refuse=PROFILE_REFUSE,
        rotate=True,
    )
    failures = sweep(client, own)
    client.force_login(coordinator)
    add = Form(
        "roster-add",
        reverse("groups:roster-add", args=[ecommerce.slug]),
        lambda i: profile(f"1380000{i:04d}"),
        {k: v for k, v in SECOND_VIEW.items() if k != "national_id"},
        refuse=PROFILE_REFUSE,
        rotate=True,
    )
    assert_no_failures(failures + sweep(client, add))


def test_member_status_invitation_and_deletion_request(client, coordinator, volunteer, ecommerce):
    member = a_member_of(ecommerce, email="m@example.com")
    client.force_login(coordinator)
    status = Form(
        "member-status",
        reverse("members:member-status", args=[member.pk]),
        {"status": "active"},
        {"status": CHOICE},
    )
    invite = Form(
        "member-invite",
        reverse("members:member-invite", args=[member.pk]),
        {"channel": "email"},
        {"channel": CHOICE},
    )
    failures = sweep(client, status) + sweep(client, invite)
    client.force_login(volunteer)
    deletion = Form(
        "me-delete",
        reverse("members:me-delete"),
        {"reason": "不再参加"},
        text("reason"),
        refuse=many_lines("reason"),
        before=lambda i: DeletionRequest.objects.all().delete(),
    )
    assert_no_failures(failures + sweep(client, deletion))


# --- Groups: profile, joining, import ------------------------------------------------------


def test_group_profile_application_and_rejection(client, coordinator, volunteer, ecommerce):
    client.force_login(coordinator)
    profile_form = Form(
        "group-edit",
        reverse("groups:group-edit", args=[ecommerce.slug]),
        {"mission_zh": "服务", "mission_en": "Service"},
        text("mission_zh", "mission_en"),
        refuse=many_lines("mission_zh", "mission_en"),
    )

    def pending_application(i):
        applicant = MemberFactory()
        membership = MembershipFactory(
            group=ecommerce, member=applicant, status=Membership.Status.APPLIED
        )
        return reverse("groups:application-decide", args=[ecommerce.slug, membership.pk, "reject"])

    rejection = Form(
        "application-reject",
        pending_application,
        {"reason": "名额已满"},
        text("reason"),
        refuse=many_lines("reason"),
    )
    failures = sweep(client, profile_form) + sweep(client, rejection)
    client.force_login(volunteer)
    application = Form(
        "apply",
        reverse("groups:apply", args=[ecommerce.slug]),
        {"motivation": "我想帮忙"},
        text("motivation"),
        refuse=many_lines("motivation"),
        before=lambda i: Membership.objects.filter(member=volunteer.member).delete(),
    )
    assert_no_failures(failures + sweep(client, application))


def roster_file(rows: list[list[str]], name="r.csv") -> SimpleUploadedFile:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "手机号", "工作单位", "出生年份", "出生日期", "个人简介", "专长技能"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), "text/csv")


def test_roster_import_with_hostile_cells(client, coordinator, ecommerce):
    """One file per hostile value, the value in a different column on each row: the
    preview reports bad cells by row, never a 500. A control character in a text cell is
    such a bad cell: the file cannot be confirmed."""
    client.force_login(coordinator)
    url = reverse("groups:roster-import", args=[ecommerce.slug])
    failures = []
    for n, value in enumerate([*TEXT, *NUMBER, *DATE, "\ufeff", "#清空"]):
        rows = [
            [value, f"1360000{n:02d}01", "公司", "1990", "1990-01-01", "简介", ""],
            ["甲", value, "公司", "1990", "1990-01-01", "简介", ""],
            ["乙", f"1360000{n:02d}03", value, value, value, value, value],
        ]
        label = f"roster-import cells={value[:30]!r}"
        failure, _refused = submit(client, "post", url, {"file": roster_file(rows)}, label)
        failures += [failure] if failure else []
    for value in CONTROL:
        for column in (0, 2, 5):  # name, employer, bio
            row = ["丙", "13600009901", "公司", "1990", "1990-01-01", "简介", ""]
            row[column] = value
            label = f"roster-import column {column}={value!r}"
            failure, _refused = submit(client, "post", url, {"file": roster_file([row])}, label)
            page = client.post(url, {"file": roster_file([row])})
            if failure is None and page.context.get("token"):
                failure = f"{label}: the preview found nothing wrong"
            failures += [failure] if failure else []
    confirm = reverse("groups:roster-import-confirm", args=[ecommerce.slug])
    for token in [*SECRET, "../../etc/passwd", "x" * 300]:
        failure, _refused = submit(client, "post", confirm, {"token": token}, f"confirm {token!r}")
        failures += [failure] if failure else []
    assert_no_failures(failures)


# --- Activities -------------------------------------------------------------------------------

START = datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.UTC)


def activity_data(i=0) -> dict:
    return {
        "title": "助农直播培训",
        "kind": "training",
        "description": "讲解直播带货",
        "location": "漳州",
        "district": "longhai",
        "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-01T12:00",
        "signup_opens_at": "2029-12-01T09:00",
        "signup_closes_at": "2030-01-01T08:00",
        "capacity": "20",
        "offer_hours": "3",
        "eligibility": "public",
        "themes": [Theme.objects.order_by("pk").first().pk],
    }


ACTIVITY_FIELDS = {
    **text("title", "location", "description"),
    **dict.fromkeys(
        ["kind", "themes", "brand", "district", "eligibility", "skills_wanted"], CHOICE
    ),  # fmt: skip
    "starts_at": DATETIME,
    "ends_at": [*DATETIME, "2030-01-01T08:00"],  # before the start
    "signup_opens_at": [*DATETIME, "2030-01-01T10:00"],  # after it closes
    "signup_closes_at": [*DATETIME, "2030-01-01T10:00"],  # after the start
    "capacity": NUMBER,
    "offer_hours": NUMBER,
    "cover_upload": ["not a file"],
}
ACTIVITY_REFUSE = {**one_line("title", "location"), **many_lines("description")}


def test_activity_create(client, coordinator, ecommerce):
    client.force_login(coordinator)
    form = Form(
        "activity-create",
        reverse("activities:activity-create", args=[ecommerce.slug]),
        activity_data,
        ACTIVITY_FIELDS,
        refuse=ACTIVITY_REFUSE,
        rotate=True,
    )
    assert_no_failures(sweep(client, form))


def test_activity_edit_cancel_and_complete(client, coordinator, ecommerce):
    client.force_login(coordinator)
    activity = ActivityFactory(
        group=ecommerce, starts_at=START, ends_at=START + datetime.timedelta(hours=3)
    )
    edit = Form(
        "activity-edit",
        reverse("activities:activity-edit", args=[activity.pk]),
        activity_data,
        {
            **text("title"),
            "themes": CHOICE,
            "ends_at": ACTIVITY_FIELDS["ends_at"],
            "capacity": NUMBER,
            "cover_upload": [SimpleUploadedFile("c.png", b"GIF89a junk", "image/png")],
        },
        refuse=ACTIVITY_REFUSE,
        rotate=True,
    )
    cancel = Form(
        "activity-cancel",
        reverse("activities:activity-cancel", args=[activity.pk]),
        {"reason": "下雨"},
        text("reason"),
        refuse=one_line("reason"),
        before=lambda i: Activity.objects.filter(pk=activity.pk).update(status="published"),
    )
    started = timezone.now() - datetime.timedelta(hours=1)
    under_way = ActivityFactory(group=ecommerce, starts_at=started,
                                ends_at=started + datetime.timedelta(hours=3))  # fmt: skip
    complete = Form(
        "activity-complete",
        reverse("activities:activity-complete", args=[under_way.pk]),
        {"beneficiaries": "30", "report": "顺利"},
        {"beneficiaries": NUMBER, **text("report")},
        refuse=many_lines("report"),
        before=lambda i: Activity.objects.filter(pk=under_way.pk).update(status="published"),
    )
    assert_no_failures(sweep(client, edit) + sweep(client, cancel) + sweep(client, complete))


def test_photos_and_participants(client, coordinator, ecommerce):
    client.force_login(coordinator)
    activity = ActivityFactory(group=ecommerce)
    photos = Form(
        "photos",
        reverse("activities:photos", args=[activity.pk]),
        lambda i: {"photos": png(), "caption": "合影"},
        {
            **text("caption"),
            "photos": [
                "not a file",
                SimpleUploadedFile("x.png", b"\x89PNG junk", "image/png"),
                SimpleUploadedFile("<script>.svg", MARKUP.encode(), "image/svg+xml"),
            ],
        },
        refuse=one_line("caption"),
    )
    a_member_of(ecommerce, phone="13500000001")
    participants = Form(
        "participant-add",
        reverse("activities:participants", args=[activity.pk]),
        {"phone": "13500000001"},
        text("phone"),
        before=lambda i: SignUp.objects.filter(activity=activity).delete(),
    )
    assert_no_failures(sweep(client, photos) + sweep(client, participants))


@pytest.fixture
def under_way(ecommerce):
    """An activity that started an hour ago, with one confirmed participant."""
    started = timezone.now() - datetime.timedelta(hours=1)
    activity = ActivityFactory(
        group=ecommerce, starts_at=started, ends_at=started + datetime.timedelta(hours=3)
    )
    return activity, SignUpFactory(activity=activity, member=a_member_of(ecommerce))


def test_attendance_sheet(client, coordinator, under_way):
    activity, signup = under_way
    client.force_login(coordinator)
    checked_in = timezone.now() - datetime.timedelta(minutes=50)
    form = Form(
        "attendance",
        reverse("activities:attendance", args=[activity.pk]),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-signup": str(signup.pk),
            "form-0-attended": "true",
            "form-0-checked_in_at": local(checked_in),
            "form-0-checked_out_at": "",
        },
        {
            "form-TOTAL_FORMS": NUMBER,
            "form-INITIAL_FORMS": NUMBER,
            "form-0-signup": CHOICE,
            "form-0-attended": CHOICE,
            "form-0-checked_in_at": DATETIME,
            "form-0-checked_out_at": [*DATETIME, local(checked_in - datetime.timedelta(hours=1))],
        },
    )
    assert_no_failures(sweep(client, form))


def test_a_forged_form_count_builds_no_more_rows_than_the_sheet_has(client, coordinator, under_way):
    """TOTAL_FORMS=1000000 built Django's cap of 2,000 forms, each rendered again with its
    errors: seconds of a worker for one small request."""
    activity, _signup = under_way
    client.force_login(coordinator)
    url = reverse("activities:attendance", args=[activity.pk])
    response = client.post(url, {"form-TOTAL_FORMS": "1000000", "form-INITIAL_FORMS": "1"})
    assert response.status_code == 200
    assert len(response.context["formset"].forms) <= 1 + 10  # the sheet's rows, a few more


def test_hours(client, coordinator, under_way):
    activity, signup = under_way
    client.force_login(coordinator)
    hours = {"hours": NUMBER, **text("note")}
    set_hours = Form(
        "hours-set",
        reverse("activities:hours-set", args=[activity.pk, signup.pk]),
        {"hours": "2.5", "note": "准时"},
        hours,
        refuse=one_line("note"),
    )
    correct = Form(
        "hours-correct",
        reverse("activities:hours-correct", args=[activity.pk, signup.pk]),
        {"hours": "2.5", "note": "更正"},
        hours,
        rotate=True,
    )
    approve = Form(
        "hours-approve",
        reverse("activities:hours-approve", args=[activity.pk]),
        {"entry": "1"},
        {"entry": CHOICE},
    )
    assert_no_failures(sweep(client, set_hours) + sweep(client, correct) + sweep(client, approve))


def test_correction_request_and_decision(client, coordinator, volunteer, ecommerce):
    ends = timezone.now() - datetime.timedelta(minutes=5)
    ended = ActivityFactory(group=ecommerce, starts_at=ends - datetime.timedelta(hours=2),
                            ends_at=ends)  # fmt: skip
    signup = SignUpFactory(activity=ended, member=volunteer.member, attended=True)
    client.force_login(volunteer)
    request = Form(
        "correction-request",
        reverse("activities:correction-request", args=[signup.pk]),
        {"requested_hours": "3", "reason": "我待到最后"},
        {"requested_hours": NUMBER, **text("reason")},
        refuse=many_lines("reason"),
        before=lambda i: HoursCorrectionRequest.objects.all().delete(),
    )
    failures = sweep(client, request)
    HoursCorrectionRequest.objects.all().delete()
    correction = HoursCorrectionRequest.objects.create(
        signup=signup, requested_hours=3, reason="我待到最后"
    )
    client.force_login(coordinator)
    decide = Form(
        "correction-decide",
        reverse("activities:correction-decide", args=[ended.pk, correction.pk]),
        {"decision": "reject", "reason": "没有签到记录"},
        {"decision": CHOICE, **text("reason")},
        refuse=one_line("reason"),
        before=lambda i: HoursCorrectionRequest.objects.filter(pk=correction.pk).update(
            status="open", decided_by=None, decided_at=None, decision_reason=""
        ),
    )
    assert_no_failures(failures + sweep(client, decide))


def test_calendar_address_check_in_and_certificates(client, volunteer, ecommerce):
    client.force_login(volunteer)
    feed = Form(
        "feed-regenerate",
        reverse("activities:feed-regenerate"),
        {"confirm": "yes"},
        {"confirm": CHOICE},
    )
    lookup = Form(
        "certificate-lookup", reverse("activities:certificate-lookup"), {"code": "ABCD"},
        text("code"), method="get",
    )  # fmt: skip
    failures = sweep(client, feed) + sweep(client, lookup)
    activity = ActivityFactory(group=ecommerce)
    for name in ("signup", "cancel", "accept-offer"):  # buttons without fields: junk ignored
        url = reverse(f"activities:{name}", args=[activity.pk])
        data = {"member": "1", "status": MARKUP, "activity": "9" * 30}
        failure, _refused = submit(client, "post", url, data, f"{name} with junk")
        failures += [failure] if failure else []
    for token in [LONG, MARKUP, "a.b.c", "..", "%2e%2e"]:
        for method in ("get", "post"):
            url = reverse("activities:checkin", args=["T"]).replace("T", quote(token, safe=""))
            failure, _refused = submit(client, method, url, {}, f"checkin {method} {token[:20]!r}")
            failures += [failure] if failure else []
    assert_no_failures(failures)


# --- Filters on list pages (query strings) --------------------------------------------------


def test_activity_list_and_calendar_filters(client, volunteer, ecommerce):
    ActivityFactory(group=ecommerce)
    client.force_login(volunteer)
    listing = Form(
        "activity-list",
        reverse("activities:activity-list"),
        {"kind": "training", "date_from": "2026-01-01"},
        {
            **dict.fromkeys(["group", "kind", "theme", "brand", "district", "page"], CHOICE),
            "date_from": DATE,
            "date_to": DATE,
            "free": BOOLEAN,
        },
        method="get",
    )
    calendar = Form(
        "calendar",
        reverse("activities:activity-list"),
        {"view": "calendar", "month": "2030-01"},
        {"month": [*CHOICE, "0001-01", "9999-12", "2030-13", "2030-00", "-1--1"]},
        method="get",
    )
    assert_no_failures(sweep(client, listing) + sweep(client, calendar))


def test_talent_search_roster_and_export_filters(client, admin_user, ecommerce):
    a_member_of(ecommerce, full_name=MARKUP)
    client.force_login(admin_user)
    filters = {
        **text("q"),
        **dict.fromkeys(
            [
                "status",
                "personnel_category",
                "political_status",
                "skill",
                "district",
                "industry",
                "o",
                "page",
            ],
            CHOICE,
        ),  # fmt: skip
    }
    search = Form("talent-search", reverse("members:member-list"), {"q": "陈"}, filters,
                  method="get")  # fmt: skip
    failures = sweep(client, search)
    for name, url in [
        ("roster", reverse("groups:roster", args=[ecommerce.slug])),
        ("export-csv", reverse("groups:roster-export", args=[ecommerce.slug, "csv"])),
        ("export-xlsx", reverse("groups:roster-export", args=[ecommerce.slug, "xlsx"])),
        ("applications", reverse("groups:applications", args=[ecommerce.slug])),
    ]:
        form = Form(name, url, {"q": "陈"}, filters, method="get", rotate=True)
        failures += sweep(client, form)
    assert_no_failures(failures)
