"""An invitation handed over in person, on phones: the coordinator shows the QR code, the
member opens the link, chooses a password and is in. No sideways scrolling at 390 px, and
axe-core finds nothing critical or serious on the new pages."""

from importlib import import_module

import pytest

from groups.models import LeaderAssignment, ServiceGroup
from tests.browser.axe import assert_accessible
from tests.browser.conftest import PASSWORD, log_in, screenshot
from tests.factories import (
    LeaderAssignmentFactory,
    MemberFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def people(db):
    from django.apps import apps

    import_module("groups.migrations.0003_five_service_groups").create(apps, None)
    group = ServiceGroup.objects.get(slug="ecommerce")
    coordinator = UserFactory(username="coordinator", password=PASSWORD)
    LeaderAssignmentFactory(
        group=group,
        member=MemberFactory(user=coordinator, full_name="协调员"),
        role=LeaderAssignment.Role.COORDINATOR,
    )
    invitee = MemberFactory(full_name="王小梅", phone="13912345678", email="xm@example.com")
    MembershipFactory(member=invitee, group=group)
    return {"coordinator": coordinator, "invitee": invitee}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_invitation_handed_over_on_a_phone(page_for, live_server, people, language):
    base = live_server.url
    invitee = people["invitee"]
    coordinator = page_for(**PHONE, language=language)
    log_in(coordinator, base, "coordinator")
    coordinator.goto(f"{base}/members/{invitee.pk}/")
    assert coordinator.locator("#account-card").is_visible()
    assert no_sideways_scroll(coordinator)
    assert_accessible(coordinator, "a member without an account")

    coordinator.click("#invite-in-person")
    coordinator.wait_for_selector("#qr-code svg")
    assert no_sideways_scroll(coordinator)
    screenshot(coordinator, f"invitation-qr-phone-{language}")
    assert_accessible(coordinator, "the invitation's QR code")
    link = coordinator.input_value("#invitation-link")
    coordinator.goto(f"{base}/members/{invitee.pk}/")
    assert coordinator.locator("#revoke-invitation").is_visible()
    screenshot(coordinator, f"invitation-member-page-phone-{language}")
    assert link.startswith(f"{base}/accounts/invitation/")

    person = page_for(**PHONE, language=language)
    person.goto(link)
    assert "王小梅" in person.content() and "139****5678" in person.content()
    assert no_sideways_scroll(person)
    assert_accessible(person, "the invitation's accept page")
    screenshot(person, f"invitation-accept-phone-{language}")
    person.fill("input[name=password1]", "short")
    person.fill("input[name=password2]", "short")
    person.click("#accept")
    person.wait_for_selector(".invalid-feedback, .errorlist, .alert-danger")
    assert no_sideways_scroll(person)
    person.fill("input[name=password1]", "a-long-pass-phrase-42")
    person.fill("input[name=password2]", "a-long-pass-phrase-42")
    person.click("#accept")
    person.wait_for_url(f"{base}/members/me/")
    screenshot(person, f"invitation-accepted-phone-{language}")

    again = page_for(**PHONE, language=language)
    again.goto(link)
    assert again.locator('#invitation-problem[data-problem="used"]').is_visible()
    assert no_sideways_scroll(again)
    assert_accessible(again, "a used invitation")

    coordinator.goto(f"{base}/groups/ecommerce/roster/")
    row = coordinator.locator(f'tr[data-member="{invitee.pk}"]')
    assert row.locator(".bi-person-check").first.is_visible()
    assert no_sideways_scroll(coordinator)
