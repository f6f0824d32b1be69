"""The member's own data download (PIPL access right): service hours, correction requests
and the change history of their record, theirs only, in a fixed number of queries."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from activities.models import HoursCorrectionRequest, ServiceHours, SignUp
from members.models import Member
from members.services import member_update
from tests.factories import ActivityFactory, MemberFactory, SignUpFactory, UserFactory


def last_week(**fields):
    start = timezone.now() - datetime.timedelta(days=7)
    return ActivityFactory(starts_at=start, ends_at=start + datetime.timedelta(hours=3), **fields)


def approved(signup, hours, *, by):
    return ServiceHours.objects.create(
        signup=signup, hours=Decimal(hours), status=ServiceHours.Status.APPROVED,
        recorded_by=by, approved_by=by, approved_at=timezone.now(),
    )  # fmt: skip


def download(client, user) -> tuple[dict, str]:
    client.force_login(user)
    response = client.get(reverse("members:me-data"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return json.loads(response.content), response.content.decode()


@pytest.fixture
def served(make_volunteer, coordinator, ecommerce):
    """A volunteer who served last week (2.5 h approved, a correction asked for) and is
    signed up for next week; someone else served at the same activity."""
    me = make_volunteer(full_name="我自己")
    served = last_week(title="上周的直播助农")
    mine = SignUpFactory(
        activity=served, member=me.member, attended=True,
        checked_in_at=served.starts_at - datetime.timedelta(minutes=5),
    )  # fmt: skip
    approved(mine, "2.5", by=coordinator)
    HoursCorrectionRequest.objects.create(
        signup=mine, requested_hours=Decimal("3"), reason="我提前到场布置"
    )
    SignUpFactory(activity=ActivityFactory(title="下周的培训"), member=me.member)
    other = make_volunteer(full_name="别的志愿者")
    theirs = SignUpFactory(activity=served, member=other.member, attended=True)
    approved(theirs, "7", by=coordinator)
    HoursCorrectionRequest.objects.create(
        signup=theirs, requested_hours=Decimal("9"), reason="别人的更正理由"
    )
    return me


def test_my_data_holds_my_sign_ups_with_check_in_and_approved_hours(client, served):
    data, text = download(client, served)
    record = {row["activity"]["title"]: row for row in data["service_record"]}
    assert set(record) == {"上周的直播助农", "下周的培训"}
    past = record["上周的直播助农"]
    assert past["status"] == "confirmed" and past["attended"] is True
    signup = SignUp.objects.get(member=served.member, activity__title="上周的直播助农")
    assert past["checked_in_at"] == signup.checked_in_at.isoformat()
    assert past["approved_hours"] == "2.50"
    assert [entry["hours"] for entry in past["hours"]] == ["2.50"]
    assert past["hours"][0]["approved_by"] == "coord 成员"  # by name, as the portal shows
    assert record["下周的培训"]["approved_hours"] is None
    assert "activities.signup" not in data  # the raw rows are in the service record
    assert "别的志愿者" not in text and "7.00" not in text


def test_my_data_holds_my_correction_requests_not_other_peoples(client, served):
    data, text = download(client, served)
    (request,) = data["hours_correction_requests"]
    assert request["activity"] == "上周的直播助农"
    assert request["reason"] == "我提前到场布置"
    assert request["requested_hours"] == "3.00" and request["status"] == "open"
    assert "别人的更正理由" not in text


def test_my_data_holds_the_change_history_of_my_record(client, served, admin_user):
    admin_user.first_name = "管理员王"
    admin_user.save()
    member = served.member
    member_update(actor=served, member=member, fields={"employer": "我的新单位"})
    member_update(actor=admin_user, member=member, fields={"job_title": "项目经理"})
    someone = MemberFactory(full_name="另一个成员")
    member_update(actor=admin_user, member=someone, fields={"employer": "别人的单位"})

    data, text = download(client, served)
    history = data["change_history"]
    assert [entry["action"] for entry in history][-1] == "created"
    latest, mine = history[0], history[1]  # newest first
    assert latest["by"] == "管理员王" and mine["by"] == gettext("yourself")
    job_title = str(Member._meta.get_field("job_title").verbose_name)
    assert latest["changes"] == [{"field": job_title, "old": "", "new": "项目经理"}]
    assert {change["new"] for change in mine["changes"]} == {"我的新单位"}
    assert datetime.datetime.fromisoformat(latest["when"])
    assert "别人的单位" not in text and "boss@example.com" not in text


def signups(member, n, by):
    start = timezone.now() - datetime.timedelta(days=30)
    for i in range(n):
        activity = ActivityFactory(
            starts_at=start + datetime.timedelta(hours=i * 4),
            ends_at=start + datetime.timedelta(hours=i * 4 + 2),
        )
        signup = SignUpFactory(activity=activity, member=member, attended=True)
        approved(signup, "2", by=by)
        HoursCorrectionRequest.objects.create(signup=signup, requested_hours=2, reason="理由")


def test_the_download_takes_the_same_queries_for_5_and_50_sign_ups(client, coordinator):
    counts = []
    for n in (5, 50):
        user = UserFactory(username=f"many{n}")
        MemberFactory(user=user)
        signups(user.member, n, coordinator)
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("members:me-data"))
        assert len(json.loads(response.content)["service_record"]) == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
