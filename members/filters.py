"""Searching the talent database: one filter set for the group roster and the talent search."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from members.models import (
    District,
    Industry,
    Member,
    PersonnelCategory,
    PoliticalStatus,
    Skill,
)
from members.selectors import by_name


def _skills_matching(q):
    return Member.skills.through.objects.filter(q).values("member_id")


def _descending(label) -> str:
    return gettext("%s (descending)") % label


class _DescendingLabels:
    """django-filter writes each "… (descending)" label with ``descending_fmt % label``
    when the filter set's class is made, in whatever language is active then (at start-up:
    Chinese, so English pages showed Chinese labels, and in English if the module happened
    to be imported during an English request). This one makes the label lazy: written in
    the language of the page that shows it."""

    def __mod__(self, label):
        return lazy(_descending, str)(label)


class PeopleOrderingFilter(django_filters.OrderingFilter):
    """Names in pinyin order (``by_name``), and ties broken by name then id so that
    pages of 50 neither repeat nor skip anyone."""

    descending_fmt = _DescendingLabels()

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        if value.lstrip("-") == "full_name":
            return by_name().desc() if value.startswith("-") else by_name().asc()
        return value

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        chosen = [param for param in value if param not in EMPTY_VALUES]
        ordering = [self.get_ordering_value(param) for param in chosen]
        if not any(param.lstrip("-") == "name" for param in chosen):
            ordering.append(by_name())
        return qs.order_by(*ordering, "pk")


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Name, phone, employer or skill"), "type": "search"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Member.Status.choices, empty_label=_("Any status")
    )
    personnel_category = django_filters.ChoiceFilter(
        label=_("Category"), choices=PersonnelCategory.choices, empty_label=_("Any category")
    )
    political_status = django_filters.ChoiceFilter(
        label=_("Political status"),
        choices=PoliticalStatus.choices,
        empty_label=_("Any political status"),
    )
    skill = django_filters.ModelChoiceFilter(
        label=_("Skill"),
        queryset=Skill.objects.order_by("name"),
        method="with_skill",
        empty_label=_("Any skill"),
    )
    district = django_filters.ChoiceFilter(
        label=_("District"), choices=District.choices, empty_label=_("Any district")
    )
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, empty_label=_("Any industry")
    )
    o = PeopleOrderingFilter(
        label=_("Sort by"),
        empty_label=_("By name"),
        fields=(
            ("full_name", "name"),
            ("employer", "employer"),
            ("personnel_category", "category"),
            ("district", "district"),
            ("created_at", "created"),
        ),
        field_labels={
            "full_name": _("Name"),
            "employer": _("Employer"),
            "personnel_category": _("Category"),
            "district": _("District"),
            "created_at": _("Date added"),
        },
    )

    class Meta:
        model = Member
        fields = ["q", "status", "personnel_category", "political_status", "skill", "district",
                  "industry"]  # fmt: skip

    def search(self, queryset, name, value):
        """A name, employer, job title or skill containing the words; digits (three or
        more, spaces ignored) are a phone number's, and only phones are searched for them.

        The skills matching the words are looked up first (a few dozen rows): most searches
        name none, and the members' query is then only the text columns, which PostgreSQL
        serves from their trigram indexes (members/migrations/0006) and estimates well."""
        value = value.strip()
        if not value:
            return queryset
        digits = value.replace(" ", "")
        if digits.isdigit() and len(digits) >= 3:
            return self.with_phone_digits(queryset, digits)
        condition = (
            Q(full_name__icontains=value)
            | Q(employer__icontains=value)
            | Q(job_title__icontains=value)
        )
        skills = list(
            Skill.objects.filter(
                Q(name__icontains=value) | Q(name_en__icontains=value)
            ).values_list("pk", flat=True)
        )
        if skills:
            condition |= Q(pk__in=_skills_matching(Q(skill__in=skills)))
        if digits.isdigit():
            condition |= Q(phone__contains=digits)
        return queryset.filter(condition)

    # Phones holding some digits are usually few, and PostgreSQL cannot tell (it guesses one
    # member in a hundred): it then read the whole list in name order looking for them, two
    # seconds at a million members. Up to this many are found first, by the phone's index.
    PHONE_MATCHES = 5000

    def with_phone_digits(self, queryset, digits):
        """Members whose phone holds the digits: their ids first (the trigram index), then
        the list narrowed to those ids, when they are not too many. The ids are looked up
        among all members, and only those in ``queryset`` (the reader's scope) are shown."""
        ids = list(
            Member.objects.filter(phone__contains=digits)
            .order_by()
            .values_list("pk", flat=True)[: self.PHONE_MATCHES + 1]
        )
        if len(ids) <= self.PHONE_MATCHES:
            return queryset.filter(pk__in=ids)
        return queryset.filter(phone__contains=digits)  # many: the name order finds them

    def with_skill(self, queryset, name, skill):
        return queryset.filter(pk__in=_skills_matching(Q(skill=skill)))
