import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from groups.models import LeaderAssignment, Membership, Organisation, ServiceGroup
from tests.factories import LeaderAssignmentFactory, MemberFactory, MembershipFactory

HEAD = LeaderAssignment.Role.HEAD
D = datetime.date


def test_every_install_has_the_five_service_groups_in_both_languages(db):
    groups = {g.slug: g for g in ServiceGroup.objects.all()}
    assert set(groups) == {"agriculture", "ecommerce", "industry", "culture", "finance-tax"}
    assert groups["finance-tax"].name_zh == "财税事务服务团"
    assert groups["finance-tax"].name_en == "Financial and Tax Affairs Service Group"
    assert all(g.is_active and g.mission_zh and g.mission_en for g in groups.values())
    assert Organisation.objects.get().name_zh.startswith("漳州")


def test_names_follow_the_active_language(ecommerce):
    from django.utils import translation

    with translation.override("en"):
        assert str(ecommerce) == "E-commerce Training Service Group"
    with translation.override("zh-hans"):
        assert str(ecommerce) == "电商培训服务团"


def test_english_name_falls_back_to_chinese_when_empty(ecommerce):
    from django.utils import translation

    ecommerce.name_en = ""
    with translation.override("en"):
        assert ecommerce.name == "电商培训服务团"


def test_organisation_is_a_single_row(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(id=2, name_zh="第二个")


def test_second_open_head_term_is_refused_by_the_database(ecommerce):
    LeaderAssignmentFactory(group=ecommerce, role=HEAD, start_date=D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaderAssignment.objects.create(
            group=ecommerce, member=MemberFactory(), role=HEAD, start_date=D(2025, 1, 1)
        )


def test_heads_of_different_groups_and_deputies_are_allowed(ecommerce, culture):
    LeaderAssignmentFactory(group=ecommerce, role=HEAD)
    LeaderAssignmentFactory(group=culture, role=HEAD)
    LeaderAssignmentFactory(group=ecommerce, role=LeaderAssignment.Role.DEPUTY)
    LeaderAssignmentFactory(group=ecommerce, role=LeaderAssignment.Role.DEPUTY)
    assert LeaderAssignment.objects.filter(role=HEAD).count() == 2


def test_past_head_terms_stay_as_history_beside_the_current_head(ecommerce):
    past = LeaderAssignmentFactory(
        group=ecommerce, role=HEAD, start_date=D(2020, 1, 1), end_date=D(2023, 12, 31)
    )
    current = LeaderAssignmentFactory(group=ecommerce, role=HEAD, start_date=D(2024, 1, 1))
    assert list(LeaderAssignment.objects.current(on=D(2025, 6, 1))) == [current]
    assert list(LeaderAssignment.objects.past(on=D(2025, 6, 1))) == [past]
    # End dates are inclusive: on the last day the old term still runs.
    assert list(LeaderAssignment.objects.current(on=D(2023, 12, 31))) == [past]


@pytest.mark.postgres
def test_overlapping_head_terms_with_end_dates_are_refused_on_postgresql(ecommerce):
    LeaderAssignmentFactory(
        group=ecommerce, role=HEAD, start_date=D(2024, 1, 1), end_date=D(2024, 12, 31)
    )
    with pytest.raises(IntegrityError, match="no_overlapping_head_terms"), transaction.atomic():
        LeaderAssignment.objects.create(
            group=ecommerce,
            member=MemberFactory(),
            role=HEAD,
            start_date=D(2024, 6, 1),
            end_date=D(2025, 5, 31),
        )
    # Adjacent terms (one ends the day before the next starts) are fine.
    LeaderAssignment.objects.create(
        group=ecommerce, member=MemberFactory(), role=HEAD, start_date=D(2025, 1, 1)
    )


def test_model_validation_explains_an_overlapping_head_term(ecommerce):
    LeaderAssignmentFactory(group=ecommerce, role=HEAD, start_date=D(2024, 1, 1))
    term = LeaderAssignment(
        group=ecommerce,
        member=MemberFactory(),
        role=HEAD,
        start_date=D(2020, 1, 1),
        end_date=D(2024, 3, 1),
    )
    with pytest.raises(ValidationError, match="重叠"):
        term.full_clean()


def test_term_cannot_end_before_it_starts(ecommerce):
    term = LeaderAssignment(
        group=ecommerce,
        member=MemberFactory(),
        role=HEAD,
        start_date=D(2024, 1, 1),
        end_date=D(2023, 1, 1),
    )
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        term.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        term.save()


def test_one_live_membership_per_member_and_group(ecommerce):
    member = MemberFactory()
    MembershipFactory(member=member, group=ecommerce, status=Membership.Status.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(member=member, group=ecommerce, status="applied")
    # A left membership does not block joining again.
    Membership.objects.filter(member=member).update(status=Membership.Status.LEFT)
    Membership.objects.create(member=member, group=ecommerce, status="applied")


def test_member_count_counts_only_active_memberships(ecommerce):
    from groups.selectors import with_member_counts

    MembershipFactory.create_batch(3, group=ecommerce)
    MembershipFactory(group=ecommerce, status=Membership.Status.APPLIED)
    MembershipFactory(group=ecommerce, status=Membership.Status.LEFT)
    assert with_member_counts([ecommerce])[0].member_count == 3


def test_member_phone_must_be_a_mainland_mobile_number(db):
    member = MemberFactory.build(phone="2345")
    with pytest.raises(ValidationError, match="11 位数字"):
        member.full_clean()
    assert MemberFactory.build(phone="13812345678").masked_phone == "138****5678"


def test_two_members_cannot_share_a_phone_but_many_may_have_none(db):
    MemberFactory(phone="13812345678")
    MemberFactory(phone="")
    MemberFactory(phone="")
    with pytest.raises(ValidationError, match="已有其他成员使用该手机号"):
        MemberFactory.build(phone="13812345678").full_clean()
