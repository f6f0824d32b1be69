"""Finding activities: the list and calendar, an activity's page, a brand's page."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from activities import selectors
from activities.filters import ActivityFilter
from activities.models import Activity, Brand
from activities.permissions import activity_policy
from groups.permissions import group_policy
from volunteer_portal.paging import CappedPaginator
from volunteer_portal.permissions import PolicyMixin

PAGE = 20


class ActivityListView(ListView):
    template_name = "activities/activity_list.html"
    context_object_name = "activities"
    paginate_by = PAGE

    def get_queryset(self):
        self.calendar = self.request.GET.get("view") == "calendar"
        # The list offers what one can still join; the calendar of a past month, and the
        # list of days asked for (the calendar's "N more"), also show what was held.
        shown = [Activity.Status.PUBLISHED]
        if self.calendar or self.request.GET.get("date_from"):
            shown.append(Activity.Status.COMPLETED)
        base = selectors.activities_for_listing(self.request.user).filter(status__in=shown)
        self.filterset = ActivityFilter(
            self.request.GET or None, queryset=base, request=self.request
        )
        queryset = self.filterset.qs if self.filterset.is_bound else base
        if self.calendar:
            queryset = queryset.prefetch_related(None)  # the calendar shows no themes
            chosen = self._chosen_month()
            self.month = chosen or timezone.localdate().replace(day=1)
            in_month = self._in_month(queryset, self.month)
            if chosen is None and not in_month.exists():
                # Nothing this month: open on the month of the next activity instead.
                coming = self._next_activity(queryset, timezone.now())
                if coming is not None:
                    self.month = timezone.localtime(coming.starts_at).date().replace(day=1)
                    in_month = self._in_month(queryset, self.month)
            self.filtered = queryset
            return self._calendar_rows(in_month)
        if not self.request.GET.get("date_from"):
            queryset = queryset.filter(ends_at__gte=timezone.now())
        return queryset.order_by("starts_at", "pk")

    @staticmethod
    def _in_month(queryset, month: datetime.date):
        """As a range of moments, not of dates: ``starts_at__date`` casts each row, which
        no index can serve (a year of activities was read for a month's)."""
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        start, end = (
            timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            for day in (month, following)
        )
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)

    @staticmethod
    def _calendar_rows(in_month):
        """The month's activities the calendar shows (each day's first few, with the day's
        count), with what it shows of them: the places taken, counted for every row of a
        busy month, were a third of its time, and drawing a month of them another."""
        shown = selectors.first_of_each_day(Activity.objects.filter(pk__in=in_month.values("pk")))
        return (
            shown.select_related("group")
            .only("title", "starts_at", "location", "group__name_zh", "group__name_en")
            .order_by("starts_at", "pk")
        )

    @staticmethod
    def _next_activity(queryset, after: datetime.datetime):
        return queryset.filter(starts_at__gte=after).order_by("starts_at", "pk").first()

    def _chosen_month(self) -> datetime.date | None:
        """The month asked for in the address, if it is a real one."""
        try:
            year, month = (int(p) for p in self.request.GET.get("month", "").split("-"))
            if 1900 <= year <= 2100:
                return datetime.date(year, month, 1)
        except (ValueError, TypeError, OverflowError):
            pass
        return None

    def get_paginator(self, queryset, per_page, **kwargs):
        return CappedPaginator(queryset, per_page, **kwargs)

    def get_paginate_by(self, queryset):
        return None if self.calendar else PAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for key in ("page", "view", "month"):  # the links add these themselves
            query.pop(key, None)
        context.update(filterset=self.filterset, calendar=self.calendar)
        if self.calendar:
            previous = (self.month - datetime.timedelta(days=1)).replace(day=1)
            following = (self.month + datetime.timedelta(days=32)).replace(day=1)
            context.update(
                weekday_names=[
                    _("Mon"),
                    _("Tue"),
                    _("Wed"),
                    _("Thu"),
                    _("Fri"),
                    _("Sat"),
                    _("Sun"),
                ],  # fmt: skip
                month=self.month,
                today=timezone.localdate(),
                weeks=selectors.month_grid(self.month.year, self.month.month, self.object_list),
                previous_month=f"{previous:%Y-%m}",
                next_month=f"{following:%Y-%m}",
            )
            if not self.object_list:
                # An empty month: where the next activity after it is.
                start = timezone.make_aware(datetime.datetime.combine(following, datetime.time()))
                context["next_activity"] = self._next_activity(self.filtered, start)
        context["query_string"] = query.urlencode()
        return context


class ActivityDetailView(PolicyMixin, DetailView):
    """An activity's page. It only reads: lapsed offers are handed on elsewhere."""

    policy = activity_policy
    action = "view"
    login_required = False
    template_name = "activities/activity_detail.html"
    context_object_name = "activity"

    def get_policy_queryset(self):
        return (
            activity_policy.instances_for(self.request.user)
            .with_taken()
            .select_related("group", "brand")
            .prefetch_related("themes", "skills_wanted", "photos")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.activity_page(self.request.user, self.object))
        return context


class BrandDetailView(DetailView):
    template_name = "activities/brand_detail.html"
    context_object_name = "brand"

    def get_queryset(self):
        return Brand.objects.filter(
            group__in=group_policy.instances_for(self.request.user)
        ).select_related("group")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["activities"] = (
            selectors.activities_for_listing(self.request.user)
            .filter(brand=self.object)
            .exclude(status=Activity.Status.DRAFT)
            .order_by("-starts_at")[:100]
        )
        return context
