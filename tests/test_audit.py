"""History reasons are named events, labelled per model in the reader's language."""

from django.utils import translation

from activities.models import HoursEvent, SignUpEvent
from groups.models import MembershipEvent
from volunteer_portal.audit import event_label


def test_the_same_value_reads_differently_on_different_records():
    assert HoursEvent.APPROVED == MembershipEvent.APPROVED == "approved"
    with translation.override("en"):
        assert event_label("activities.ServiceHours", "approved") == "hours approved"
        assert event_label("groups.Membership", "approved") == "approved"
    with translation.override("zh-hans"):
        assert event_label("activities.SignUp", SignUpEvent.PROMOTED) == "由候补转为确认"


def test_an_old_free_text_reason_is_shown_as_it_was():
    assert event_label("members.Member", "merged #12 张三 (3 moved, 0 dup.)").startswith(
        "merged #12"
    )


def test_the_member_page_shows_events_in_the_readers_language(client, coordinator, ecommerce):
    from django.urls import reverse

    from groups import services
    from tests.factories import MemberFactory, MembershipFactory

    member = MemberFactory()
    application = MembershipFactory(member=member, group=ecommerce, status="applied")
    services.membership_approve(actor=coordinator, membership=application)
    client.force_login(coordinator)
    html = client.get(reverse("members:member-detail", args=[member.pk])).content.decode()
    assert "已通过" in html
