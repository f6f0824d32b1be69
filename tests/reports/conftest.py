"""The reports' shared data: hours of this year in two groups."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from activities.models import ServiceHours
from tests.factories import ActivityFactory, MemberFactory, MembershipFactory, SignUpFactory


def served(group, member, amount):
    """Approved hours for an activity that started three hours ago (this year's)."""
    start = timezone.now() - datetime.timedelta(hours=3)
    activity = ActivityFactory(
        group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    signup = SignUpFactory(activity=activity, member=member, attended=True)
    return ServiceHours.objects.create(
        signup=signup, hours=Decimal(amount), status=ServiceHours.Status.APPROVED,
        approved_at=activity.ends_at,
    )  # fmt: skip


@pytest.fixture
def data(ecommerce, culture):
    """林 with 6 hours in e-commerce, 王 with 9 in culture."""
    lin = MemberFactory(full_name="林志愿")
    wang = MemberFactory(full_name="王文化")
    MembershipFactory(member=lin, group=ecommerce)
    MembershipFactory(member=wang, group=culture)
    served(ecommerce, lin, 6)
    served(culture, wang, 9)
    return {"lin": lin, "wang": wang}
