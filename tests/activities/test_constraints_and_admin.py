"""Sign-up rules held by the database, and a Django admin that cannot skip the services."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from activities import services
from activities.forms import ActivityForm
from activities.models import Activity, ServiceHours
from tests.factories import ActivityFactory, MemberFactory, SignUpFactory

HOUR = datetime.timedelta(hours=1)
START = datetime.datetime(2030, 1, 2, 10, 0, tzinfo=datetime.UTC)

# (sign-up opens, sign-up closes) relative to the start, and the form field at fault.
VIOLATIONS = [
    pytest.param(None, HOUR, "signup_closes_at", id="closes-after-the-start"),
    pytest.param(-2 * HOUR, -3 * HOUR, "signup_opens_at", id="opens-after-it-closes"),
    pytest.param(-2 * HOUR, -2 * HOUR, "signup_opens_at", id="opens-when-it-closes"),
    pytest.param(0 * HOUR, None, "signup_opens_at", id="opens-at-the-start-no-closing"),
    pytest.param(HOUR, None, "signup_opens_at", id="opens-after-the-start-no-closing"),
]
ALLOWED = [
    pytest.param(None, None, id="no-window"),
    pytest.param(None, 0 * HOUR, id="closes-at-the-start"),
    pytest.param(-3 * HOUR, -2 * HOUR, id="opens-before-it-closes"),
    pytest.param(-HOUR, None, id="opens-before-the-start"),
]


def at(offset):
    return None if offset is None else START + offset


def activity_row(ecommerce, opens, closes, **fields):
    return {
        "group": ecommerce,
        "title": "报名时间",
        "starts_at": START,
        "ends_at": START + 3 * HOUR,
        "signup_opens_at": at(opens),
        "signup_closes_at": at(closes),
        **fields,
    }


def local(value):
    return None if value is None else timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def form_data(opens, closes):
    return {
        "title": "报名时间",
        "kind": "service",
        "starts_at": local(START),
        "ends_at": local(START + 3 * HOUR),
        "signup_opens_at": local(at(opens)) or "",
        "signup_closes_at": local(at(closes)) or "",
        "eligibility": "public",
    }


# --- Database constraints --------------------------------------------------------------


@pytest.mark.parametrize(("opens", "closes", "field"), VIOLATIONS)
def test_the_database_refuses_a_sign_up_window_the_form_refuses(ecommerce, opens, closes, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(**activity_row(ecommerce, opens, closes))


@pytest.mark.parametrize(("opens", "closes"), ALLOWED)
def test_the_database_takes_a_sensible_sign_up_window(ecommerce, opens, closes):
    Activity.objects.create(**activity_row(ecommerce, opens, closes))


@pytest.mark.parametrize(("opens", "closes", "field"), VIOLATIONS)
def test_the_form_gives_a_field_error_for_the_same_window(ecommerce, opens, closes, field):
    form = ActivityForm(data=form_data(opens, closes), group=ecommerce)
    assert not form.is_valid()
    assert field in form.errors
    assert not form.non_field_errors()  # the field error, not the constraint's copy


@pytest.mark.parametrize(("opens", "closes"), ALLOWED)
def test_the_form_takes_a_sensible_window(ecommerce, opens, closes):
    form = ActivityForm(data=form_data(opens, closes), group=ecommerce)
    assert form.is_valid(), form.errors


def test_the_create_page_shows_the_field_error_not_a_500(client, coordinator, ecommerce):
    client.force_login(coordinator)
    response = client.post(
        reverse("activities:activity-create", args=["ecommerce"]), form_data(HOUR, None)
    )
    assert response.status_code == 200
    assert "signup_opens_at" in response.context["form"].errors
    assert not Activity.objects.filter(title="报名时间").exists()


def test_full_clean_reports_the_constraint_message(ecommerce):
    activity = Activity(**activity_row(ecommerce, None, HOUR))
    with pytest.raises(ValidationError) as caught:
        activity.full_clean()
    assert caught.value.messages == [gettext("Sign-up must close by the start.")]


def test_seed_demo_style_rows_satisfy_the_constraints(ecommerce):
    """seed_demo sets no sign-up window: such rows are always allowed."""
    ActivityFactory(signup_opens_at=None, signup_closes_at=None)


# --- Activity admin --------------------------------------------------------------------


def admin_datetime(value):
    value = timezone.localtime(value)
    return {"_0": value.strftime("%Y-%m-%d"), "_1": value.strftime("%H:%M:%S")}


def activity_change_data(activity, **changes):
    data = {
        "group": activity.group_id,
        "title": activity.title,
        "kind": activity.kind,
        "eligibility": activity.eligibility,
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
    }
    for name in ("starts_at", "ends_at"):
        for suffix, part in admin_datetime(getattr(activity, name)).items():
            data[name + suffix] = part
    data.update(changes)
    return data


def test_the_admin_change_form_cannot_change_status_or_places(client, admin_user, ecommerce):
    activity = ActivityFactory(status="draft", capacity=5)
    client.force_login(admin_user)
    url = reverse("admin:activities_activity_change", args=[activity.pk])
    page = client.get(url)
    fields = page.context["adminform"].form.fields
    assert "status" not in fields and "capacity" not in fields
    assert gettext("Open the edit page") in page.content.decode()
    assert reverse("activities:activity-edit", args=[activity.pk]) in page.content.decode()
    assert page.context["has_absolute_url"]  # "View on site"

    response = client.post(
        url,
        activity_change_data(activity, title="改过的标题", status="published", capacity="1"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    activity.refresh_from_db()
    assert activity.title == "改过的标题"  # the form did save
    assert activity.status == "draft" and activity.capacity == 5


def test_places_are_set_when_adding_and_a_new_activity_is_a_draft(client, admin_user, ecommerce):
    client.force_login(admin_user)
    url = reverse("admin:activities_activity_add")
    fields = client.get(url).context["adminform"].form.fields
    assert "capacity" in fields and "status" not in fields
    data = activity_change_data(
        Activity(group=ecommerce, title="后台新建", kind="service", starts_at=START,
                 ends_at=START + HOUR, eligibility="public"),
        capacity="7",
        status="published",
    )  # fmt: skip
    assert client.post(url, data).status_code == 302
    activity = Activity.objects.get(title="后台新建")
    assert activity.capacity == 7 and activity.status == "draft"


def test_the_admin_form_reports_a_bad_sign_up_window(client, admin_user, ecommerce):
    client.force_login(admin_user)
    activity = ActivityFactory(starts_at=START, ends_at=START + 3 * HOUR)
    url = reverse("admin:activities_activity_change", args=[activity.pk])
    data = activity_change_data(activity)
    data.update({f"signup_closes_at{k}": v for k, v in admin_datetime(START + HOUR).items()})
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [gettext("Sign-up must close by the start.")]
    activity.refresh_from_db()
    assert activity.signup_closes_at is None


def run_action(client, action, activities):
    return client.post(
        reverse("admin:activities_activity_changelist"),
        {"action": action, "_selected_action": [a.pk for a in activities]},
    )


def test_the_publish_action_publishes_drafts_and_leaves_the_rest_out(client, admin_user, ecommerce):
    draft = ActivityFactory(status="draft")
    cancelled = ActivityFactory(status="cancelled")
    client.force_login(admin_user)
    response = run_action(client, "publish_drafts", [draft, cancelled])
    assert response.status_code == 302
    draft.refresh_from_db()
    cancelled.refresh_from_db()
    assert draft.status == "published" and cancelled.status == "cancelled"
    assert draft.history.latest().history_user == admin_user
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "已发布 1 个，未处理 1 个。" in message  # the admin speaks Chinese by default
    assert cancelled.title in message


def test_the_cancel_action_emails_everyone_signed_up(
    client, admin_user, ecommerce, mailoutbox, django_capture_on_commit_callbacks
):
    activity = ActivityFactory(status="published", title="要取消的活动")
    SignUpFactory(activity=activity, member=MemberFactory(email="a@example.com"))
    SignUpFactory(activity=activity, member=MemberFactory(email="b@example.com"), status="waiting")
    completed = ActivityFactory(status="completed")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "cancel_activities", [activity, completed])
    activity.refresh_from_db()
    completed.refresh_from_db()
    assert activity.status == "cancelled" and completed.status == "completed"
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.com", "b@example.com"]
    assert all("要取消的活动" in m.subject for m in mailoutbox)
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "已取消 1 个，未处理 1 个。" in message


def test_an_old_version_cannot_be_restored(client, admin_user, ecommerce):
    activity = ActivityFactory(status="draft")
    draft_version = activity.history.latest()
    services.activity_publish(actor=admin_user, activity=activity)
    client.force_login(admin_user)
    url = reverse(
        "admin:activities_activity_simple_history", args=[activity.pk, draft_version.history_id]
    )
    assert client.get(url).status_code == 200  # it can still be read
    assert client.post(url, activity_change_data(activity)).status_code == 403
    activity.refresh_from_db()
    assert activity.status == "published"


# --- Service hours admin ---------------------------------------------------------------


def test_the_hours_admin_cannot_approve_change_or_add(client, admin_user, ecommerce):
    signup = SignUpFactory(activity=ActivityFactory())
    entry = ServiceHours.objects.create(signup=signup, hours=2)
    client.force_login(admin_user)
    assert client.get(reverse("admin:activities_servicehours_add")).status_code == 403
    url = reverse("admin:activities_servicehours_change", args=[entry.pk])
    assert set(client.get(url).context["adminform"].form.fields) == set()
    client.post(
        url,
        {
            "hours": "3",
            "note": "后台",
            "status": "approved",
            "approved_at_0": "2030-01-01",
            "approved_at_1": "10:00:00",
            "approved_by": admin_user.pk,
            "is_current": "",
        },
    )
    entry.refresh_from_db()
    assert entry.hours == Decimal("2") and entry.note == ""
    assert entry.status == "proposed" and entry.approved_at is None and entry.is_current


def test_a_sign_up_cannot_be_moved_to_another_activity_in_the_admin(client, admin_user, ecommerce):
    """Moving it would overbook the other activity and skip both waiting lists."""
    full = ActivityFactory(capacity=1)
    SignUpFactory(activity=full)
    signup = SignUpFactory(activity=ActivityFactory())
    client.force_login(admin_user)
    url = reverse("admin:activities_signup_change", args=[signup.pk])
    client.post(url, {"activity": full.pk, "member": signup.member_id, "attended": "unknown"})
    signup.refresh_from_db()
    assert signup.activity_id != full.pk


def test_approved_hours_are_read_only_in_the_admin(client, admin_user, ecommerce):
    signup = SignUpFactory(activity=ActivityFactory())
    entry = ServiceHours.objects.create(
        signup=signup, hours=2, status="approved", approved_at=timezone.now()
    )
    client.force_login(admin_user)
    url = reverse("admin:activities_servicehours_change", args=[entry.pk])
    assert client.get(url).context["adminform"].form.fields == {}
    client.post(url, {"hours": "9"})
    entry.refresh_from_db()
    assert entry.hours == Decimal("2")
