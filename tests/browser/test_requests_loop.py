"""Issue 10, the whole loop on phones (390 x 844): a villager orders a service, an
administrator dispatches it, the group's coordinator takes it on and asks three suggested
volunteers for two places, one declines and the place passes to the next, the service
happens (the activity completed, hours approved), and the villager rates it."""

import datetime
from importlib import import_module

import pytest
from django.utils import timezone

from tests.browser.axe import assert_accessible
from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_records_phone import PHONE, assert_no_sideways_scrolling

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(db):
    """The groups, an administrator, the agriculture group's coordinator and three of its
    members with accounts (two in the village's district)."""
    from django.apps import apps

    from groups.models import LeaderAssignment, Membership, ServiceGroup
    from tests.factories import (
        LeaderAssignmentFactory,
        MemberFactory,
        MembershipFactory,
        UserFactory,
    )

    import_module("groups.migrations.0003_five_service_groups").create(apps, None)
    group = ServiceGroup.objects.get(slug="agriculture")
    UserFactory(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    LeaderAssignmentFactory(
        group=group,
        member=MemberFactory(
            user=UserFactory(username="coord", password=PASSWORD), full_name="王协调"
        ),
        role=LeaderAssignment.Role.COORDINATOR,
    )
    volunteers = {}
    for username, name, district in (
        ("li", "李直播", "nanjing"), ("zhang", "张摄影", "nanjing"), ("zhou", "周运营", "longhai"),
    ):  # fmt: skip
        member = MemberFactory(
            user=UserFactory(username=username, password=PASSWORD),
            full_name=name,
            district=district,
        )
        MembershipFactory(member=member, group=group, status=Membership.Status.ACTIVE)
        volunteers[username] = member
    return {"group": group, **volunteers}


def log_in_as(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(f"{base_url}/")


def test_order_dispatch_take_serve_and_rate(page_for, live_server, people):
    from activities import services as activity_services
    from activities.models import ServiceHours, SignUp
    from service_requests.models import ServiceRequest

    url = live_server.url
    # 1. The villager orders, without an account.
    villager = page_for(**PHONE)
    villager.goto(f"{url}/requests/new/")
    villager.fill("#id_requester_name", "林阿姨")
    villager.fill("#id_organisation", "南靖县书洋镇")
    villager.fill("#id_phone", "137 1234 5678")
    villager.select_option("#id_district", "nanjing")
    villager.check(f"input[name=wanted_group][value='{people['group'].pk}']")
    villager.fill("#id_description", "想学在网上卖芦柑，请老师教直播带货。")
    villager.check("#id_consent")
    villager.click("#send-request")
    villager.wait_for_url("**/receipt/")
    request = ServiceRequest.objects.get()
    assert request.code.replace(" ", "") in villager.content().replace(" ", "")

    # 2. An administrator dispatches it from the triage queue.
    admin = page_for(**PHONE)
    log_in_as(admin, url, "boss")
    admin.goto(f"{url}/requests/manage/{request.pk}/")
    admin.click("#move-dispatch")
    admin.wait_for_url(f"**/requests/manage/{request.pk}/")

    # 3. The coordinator takes it on (in two hours' time, two volunteers) and asks three.
    coordinator = page_for(**PHONE)
    log_in_as(coordinator, url, "coord")
    coordinator.goto(f"{url}/requests/manage/{request.pk}/")
    start = timezone.localtime() + datetime.timedelta(hours=2)
    coordinator.fill("#id_accept-volunteers_needed", "2")
    coordinator.fill("#id_accept-starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    end = start + datetime.timedelta(hours=2)
    coordinator.fill("#id_accept-ends_at", end.strftime("%Y-%m-%dT%H:%M"))
    coordinator.fill("#id_accept-location", "书洋镇文化站")
    coordinator.click("#move-accept")
    coordinator.wait_for_selector("#invite-form")
    names = coordinator.locator("#invite-form .suggestion-list label").all_inner_texts()
    assert set(names[:2]) == {"李直播", "张摄影"}  # the village's district first
    for box in coordinator.locator("#invite-form input[name=member]").all():
        box.check()
    coordinator.click("#invite")
    coordinator.wait_for_selector("#asked-volunteers")
    request.refresh_from_db()
    activity = request.activity
    offered = SignUp.objects.filter(activity=activity, status=SignUp.Status.OFFERED)
    assert offered.count() == 2

    # 4. The first offered declines on their phone; the place passes to the one waiting.
    first, second = [s.member for s in offered.order_by("created_at")]
    declining = page_for(**PHONE)
    declining.on("dialog", lambda dialog: dialog.accept())
    log_in_as(declining, url, first.user.username)
    declining.goto(f"{url}/activities/{activity.pk}/")
    declining.click("#cancel-signup")
    declining.wait_for_load_state()
    waiting = people["zhou"]
    assert SignUp.objects.get(activity=activity, member=waiting).status == SignUp.Status.OFFERED
    for member in (second, waiting):  # both accept their places
        volunteer = page_for(**PHONE)
        log_in_as(volunteer, url, member.user.username)
        volunteer.goto(f"{url}/activities/{activity.pk}/")
        volunteer.click("#accept-offer")
        volunteer.wait_for_load_state()
    assert SignUp.objects.filter(activity=activity, status=SignUp.Status.CONFIRMED).count() == 2

    # 5. The day of the service (the activity's hours moved into the past); the group
    # completes the activity and approves the hours, then the request.
    from activities.models import Activity

    coordinator_user = people["group"].leader_assignments.get().member.user

    Activity.objects.filter(pk=activity.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    SignUp.objects.filter(activity=activity, status=SignUp.Status.CONFIRMED).update(
        attended=True, checked_in_at=timezone.now() - datetime.timedelta(hours=3)
    )
    activity.refresh_from_db()
    activity_services.activity_complete(
        actor=coordinator_user, activity=activity, beneficiaries=35, report="讲了两场直播课"
    )
    activity_services.hours_approve(
        actor=people_admin(),
        activity=activity,
        entry_ids=list(
            ServiceHours.objects.filter(signup__activity=activity).values_list("pk", flat=True)
        ),
    )
    coordinator.goto(f"{url}/requests/manage/{request.pk}/")
    coordinator.click("#move-start")
    coordinator.wait_for_selector("#move-complete")
    coordinator.fill("#id_complete-delivery_notes", "两场直播课，35 位村民参加。")
    coordinator.fill("#id_complete-people_served", "35")
    coordinator.click("#move-complete")
    coordinator.wait_for_url(f"**/requests/manage/{request.pk}/")
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.COMPLETED

    # 6. The villager rates it, from the tracking page.
    villager.goto(f"{url}/requests/{request.code}/")
    villager.click("label[for=id_rating_4]")  # five stars (the first button)
    villager.click("#send-rating")
    villager.wait_for_url(f"**/requests/{request.code}/")
    request.refresh_from_db()
    assert request.status == ServiceRequest.Status.RATED and request.rating == 5
    assert_no_sideways_scrolling(villager, "the rated request")
    assert_accessible(villager, "the rated request")
    screenshot(villager, "request-rated-phone")
    approved = ServiceHours.objects.filter(
        signup__activity=activity, status=ServiceHours.Status.APPROVED
    )
    assert approved.count() == 2


def people_admin():
    from members.models import User

    return User.objects.get(username="boss")
