"""Factories for test data. Groups from the data migration are used where they fit."""

import datetime

import factory
from django.utils import timezone

from groups.models import LeaderAssignment, Membership, ServiceGroup
from members.models import Member, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    full_name = factory.Sequence(lambda n: f"测试成员{n}")
    phone = factory.Sequence(lambda n: f"170{n:08d}")
    email = factory.Sequence(lambda n: f"member{n}@example.com")


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    name_zh = factory.Sequence(lambda n: f"测试服务团{n}")
    name_en = factory.Sequence(lambda n: f"Test Service Group {n}")
    slug = factory.Sequence(lambda n: f"test-group-{n}")
    display_order = factory.Sequence(lambda n: 100 + n)


class LeaderAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeaderAssignment

    group = factory.SubFactory(ServiceGroupFactory)
    member = factory.SubFactory(MemberFactory)
    role = LeaderAssignment.Role.COORDINATOR
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(ServiceGroupFactory)
    member = factory.SubFactory(MemberFactory)
    status = Membership.Status.ACTIVE


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Activity"

    group = factory.LazyFunction(lambda: ServiceGroup.objects.get(slug="ecommerce"))
    title = factory.Sequence(lambda n: f"测试活动{n}")
    status = "published"
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + datetime.timedelta(hours=3))
    capacity = 5


class SignUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.SignUp"

    activity = factory.SubFactory(ActivityFactory)
    member = factory.SubFactory(MemberFactory)
    status = "confirmed"
