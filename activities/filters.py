import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Brand, Theme
from members.models import District


def _visible_groups(request):
    from groups.permissions import group_policy

    return group_policy.instances_for(request.user if request else None).filter(is_active=True)


class ActivityFilter(django_filters.FilterSet):
    group = django_filters.ModelChoiceFilter(
        label=_("Service group"), queryset=_visible_groups, empty_label=_("All groups")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Activity.Kind.choices, empty_label=_("All kinds")
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), field_name="themes", queryset=Theme.objects.all(),
        empty_label=_("All themes"),
    )  # fmt: skip
    brand = django_filters.ModelChoiceFilter(
        label=_("Brand"), queryset=Brand.objects.select_related("group"),
        empty_label=_("All brands"),
    )  # fmt: skip
    district = django_filters.ChoiceFilter(
        label=_("District"), choices=District.choices, empty_label=_("Any district")
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="starts_at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    date_to = django_filters.DateFilter(
        label=_("Until"), field_name="starts_at", lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    free = django_filters.BooleanFilter(
        label=_("Has free places"),
        method="with_free_places",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Activity
        fields = ["group", "kind", "theme", "brand", "district", "date_from", "date_to", "free"]

    def with_free_places(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(capacity__isnull=True) | Q(taken__lt=F("capacity")))
