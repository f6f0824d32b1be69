"""Issue 10: on an accepted request's page, the group's coordinator sees suggestions from
the talent database with their reasons, ticks some, and they are asked in that order."""

import datetime

from django.urls import reverse
from django.utils import timezone

from activities.models import SignUp
from groups.models import Membership
from service_requests import services
from service_requests.models import ServiceRequest
from tests.factories import MemberFactory, MembershipFactory


def accepted(coordinator, ecommerce, needed=1):
    request = ServiceRequest.objects.create(
        requester_name="陈老板", phone="13712345678", district="longwen",
        description="报税", group=ecommerce, status=ServiceRequest.Status.DISPATCHED,
    )  # fmt: skip
    start = timezone.now() + datetime.timedelta(days=4)
    services.request_accept(
        actor=coordinator, request=request, volunteers_needed=needed, skills=[],
        starts_at=start, ends_at=start + datetime.timedelta(hours=2), location="龙文区",
    )  # fmt: skip
    request.refresh_from_db()
    return request


def member_of(group, name, **fields):
    member = MemberFactory(full_name=name, **fields)
    MembershipFactory(member=member, group=group, status=Membership.Status.ACTIVE)
    return member


def test_the_coordinator_sees_suggestions_and_asks_in_order(client, coordinator, ecommerce):
    request = accepted(coordinator, ecommerce, needed=1)
    near = member_of(ecommerce, "同区", district="longwen")
    far = member_of(ecommerce, "远处", district="zhangpu")
    client.force_login(coordinator)
    page = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert page.index("同区") < page.index("远处")  # best first
    assert "同区" in page and ("same district" in page or "同区" in page)
    response = client.post(
        reverse("requests:invite", args=[request.pk]), {"member": [near.pk, far.pk]}
    )
    assert response.status_code == 302
    statuses = dict(
        SignUp.objects.filter(activity=request.activity).values_list("member_id", "status")
    )
    assert statuses == {near.pk: SignUp.Status.OFFERED, far.pk: SignUp.Status.WAITING}
    page = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    assert 'id="asked-volunteers"' in page


def test_another_groups_coordinator_cannot_ask(client, coordinator, other_coordinator, ecommerce):
    request = accepted(coordinator, ecommerce)
    member = member_of(ecommerce, "某人")
    client.force_login(other_coordinator)
    response = client.post(reverse("requests:invite", args=[request.pk]), {"member": [member.pk]})
    assert response.status_code == 404
    assert not SignUp.objects.filter(activity=request.activity).exists()


def test_nothing_ticked_or_forged_values_ask_nobody(client, coordinator, ecommerce):
    request = accepted(coordinator, ecommerce)
    client.force_login(coordinator)
    for data in ({}, {"member": ["abc", "9" * 40, "-1"]}):
        response = client.post(reverse("requests:invite", args=[request.pk]), data, follow=True)
        assert response.status_code == 200
    assert not SignUp.objects.filter(activity=request.activity).exists()


def test_a_member_of_another_group_is_passed_over(client, coordinator, ecommerce, culture):
    request = accepted(coordinator, ecommerce)
    outsider = member_of(culture, "别团")
    client.force_login(coordinator)
    response = client.post(
        reverse("requests:invite", args=[request.pk]), {"member": [outsider.pk]}, follow=True
    )
    # Not asked, and not named: a coordinator learns nothing of other groups' members.
    assert "别团" not in response.content.decode()
    assert not SignUp.objects.filter(activity=request.activity).exists()
