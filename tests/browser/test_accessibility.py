"""axe-core finds no critical or serious problem on the key pages of every role, on a
laptop (1366 px) and on a phone (390 px).

One browser context per role; each page is loaded and checked at both sizes.
"""

import datetime
import json
import os
from collections import Counter

import pytest
from django.utils import timezone

from activities.models import Activity, ServiceHours, SignUp
from groups.models import ServiceGroup
from members.models import Member
from tests.browser.axe import describe, violations
from tests.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SIZES = ((1366, 768), (390, 844))
REPORT = os.environ.get("AXE_REPORT")


@pytest.fixture
def under_way(demo):
    """An e-commerce activity that started an hour ago, with people confirmed, one with
    proposed hours and one still waiting: the coordinator's sheets have every kind of row."""
    start = timezone.now() - datetime.timedelta(hours=1)
    activity = Activity.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"),
        title="无障碍检查：进行中的直播培训",
        kind="training",
        location="漳州市演示培训中心",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        signup_closes_at=start,
        capacity=3,
        status="published",
    )
    members = list(Member.objects.filter(phone__startswith="198").order_by("pk")[:4])
    for index, member in enumerate(members):
        signup = SignUp.objects.create(
            activity=activity,
            member=member,
            status="confirmed" if index < 3 else "waiting",
            attended=True if index == 0 else None,
        )
        if index == 0:
            ServiceHours.objects.create(signup=signup, hours=3)
    return activity


def full_activity() -> Activity:
    """A published demo activity with no place left (the demo data has some)."""
    for activity in (
        Activity.objects.filter(
            status="published", capacity__isnull=False, ends_at__gt=timezone.now()
        )
        .with_taken()
        .order_by("starts_at")
    ):
        if activity.places_left == 0:
            return activity
    raise AssertionError("the demo data has no full activity")


def check_pages(page, base_url, paths) -> list[str]:
    """Every path at every size (the layout is CSS only, so one load serves both sizes);
    returns the reports of the pages that fail."""
    failures = []
    for path in paths:
        page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
        response = page.goto(f"{base_url}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            found = violations(page)
            if found:
                failures.append(f"{path} at {width}px:\n{describe(found)}")
            if REPORT:  # AXE_REPORT=file: every finding by impact, for a table of the pages
                every = violations(page, impacts=("critical", "serious", "moderate", "minor"))
                counts = Counter(v["impact"] for v in every)
                with open(REPORT, "a", encoding="utf-8") as report:
                    report.write(json.dumps({"path": path, "width": width, **counts}) + "\n")
    return failures


def test_the_public_pages_have_no_serious_accessibility_problems(page_for, live_server, demo):
    page = page_for()
    full = full_activity()
    failures = check_pages(
        page,
        live_server.url,
        [
            "/",
            "/groups/",
            "/groups/ecommerce/",
            "/activities/",
            "/activities/?view=calendar",
            f"/activities/{full.pk}/",
            "/accounts/login/",
            "/accounts/signup/",
        ],
    )
    assert not failures, "\n\n".join(failures)


def test_the_volunteers_pages_have_no_serious_accessibility_problems(page_for, live_server, demo):
    page = page_for()
    log_in(page, live_server.url, "volunteer")
    signed_up = SignUp.objects.filter(
        member__user__username="volunteer", activity__ends_at__gt=timezone.now()
    ).first()
    failures = check_pages(
        page,
        live_server.url,
        [
            "/members/me/",
            "/members/me/activities/",
            "/members/me/activities/?show=past",
            "/members/me/edit/",
            f"/activities/{signed_up.activity_id}/",
            "/groups/ecommerce/apply/",
        ],
    )
    assert not failures, "\n\n".join(failures)


def test_the_coordinators_pages_have_no_serious_accessibility_problems(
    page_for, live_server, under_way
):
    page = page_for()
    log_in(page, live_server.url, "coordinator")
    pk = under_way.pk
    failures = check_pages(
        page,
        live_server.url,
        [
            "/groups/ecommerce/",
            "/groups/ecommerce/roster/",
            "/groups/ecommerce/dashboard/",
            "/groups/ecommerce/activities/new/",
            "/groups/ecommerce/edit/",
            "/groups/ecommerce/applications/",
            "/groups/ecommerce/roster/import/",
            "/members/",
            f"/activities/{pk}/",
            f"/activities/{pk}/participants/",
            f"/activities/{pk}/attendance/",
            f"/activities/{pk}/hours/",
        ],
    )
    assert not failures, "\n\n".join(failures)
