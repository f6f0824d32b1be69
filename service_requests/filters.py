"""The staff queue's filters: a search (number, phone, name), state, group, kind of help,
district, channel, age, overdue."""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models import ServiceGroup
from members.models import District
from members.validators import normalise_phone
from service_requests.models import ServiceRequest
from service_requests.queues import overdue_q
from service_requests.transitions import OPEN

OPEN_STATES = "open"
NOT_SURE = "none"
MAX_AGE_DAYS = 3650


def _status_choices():
    return [(OPEN_STATES, _("Open (not yet completed)")), *ServiceRequest.Status.choices]


def _kind_choices():
    """What the requester asked for: one of the groups' fields, or "not sure"."""
    return [(NOT_SURE, _("Not sure")), *((str(g.pk), g.name) for g in ServiceGroup.objects.all())]


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Number, phone or name"),
        method="by_search",
        max_length=100,
        help_text=_("A requester who lost their code: find the request by phone or name."),
    )
    status = django_filters.ChoiceFilter(
        label=_("State"), choices=_status_choices, method="by_status", empty_label=_("All states")
    )
    group = django_filters.ModelChoiceFilter(
        label=_("Service group"), queryset=ServiceGroup.objects.none(), empty_label=_("All groups")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind of help"), choices=_kind_choices, method="by_kind", empty_label=_("All kinds")
    )
    district = django_filters.ChoiceFilter(
        label=_("District"), choices=District.choices, empty_label=_("Any district")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=ServiceRequest.Channel.choices, empty_label=_("Any channel")
    )
    older_than = IntegerFilter(
        label=_("Open for more than (days)"),
        method="by_age",
        min_value=0,
        max_value=MAX_AGE_DAYS,
        widget=forms.NumberInput(attrs={"min": 0, "max": MAX_AGE_DAYS, "inputmode": "numeric"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="by_overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = ServiceRequest
        fields = ["q", "status", "group", "kind", "district", "channel", "older_than", "overdue"]

    def __init__(self, *args, groups, **kwargs):
        """``groups``: the groups whose requests the reader sees (the filter's choices)."""
        super().__init__(*args, **kwargs)
        self.filters["group"].queryset = groups

    def by_search(self, queryset, name, value):
        """A number (the request's, or the last digits of a phone), a whole phone however
        typed, or part of the requester's name or organisation."""
        value = value.strip()
        digits = re.sub(r"\D", "", value)
        if digits and re.fullmatch(r"(No\.?|#|第)?\s*[\d\s\-+]+号?", value, re.IGNORECASE):
            # A phone is searched only among the requests whose contacts the reader sees:
            # staff allowed only to view would otherwise unmask a number digit by digit.
            phones = self._phones_visible()
            if len(digits) >= 10:
                return queryset.filter(phones & Q(phone=normalise_phone(digits[-11:])))
            return queryset.filter(Q(pk=int(digits)) | (phones & Q(phone__endswith=digits)))
        return queryset.filter(
            Q(requester_name__icontains=value) | Q(organisation__icontains=value)
        )

    def _phones_visible(self) -> Q:
        from service_requests.permissions import request_policy

        user = getattr(self.request, "user", None)
        if user is None:
            return Q(pk__in=[])
        return request_policy.contact_q(user)

    def by_status(self, queryset, name, value):
        if value == OPEN_STATES:
            return queryset.filter(status__in=OPEN)
        return queryset.filter(status=value)

    def by_kind(self, queryset, name, value):
        if value == NOT_SURE:
            return queryset.filter(wanted_group__isnull=True)
        return queryset.filter(wanted_group_id=int(value))

    def by_age(self, queryset, name, value):
        if value is None:
            return queryset
        cutoff = timezone.now() - datetime.timedelta(days=int(value))
        return queryset.filter(status__in=OPEN, created_at__lte=cutoff)

    def by_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q(timezone.now())) if value else queryset
