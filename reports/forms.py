"""The report's filters: a date range (a quick pick, or dates of one's choice) and a group
among those the reader may see (or all of them)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import periods
from volunteer_portal.forms import PlainTextMixin

MAX_DAYS = 366 * 10  # a decade at most: beyond it the trend's axis is unreadable anyway
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportFilterForm(PlainTextMixin, forms.Form):
    range = forms.ChoiceField(
        label=_("Period"), choices=periods.QUICK_PICKS, initial=periods.THIS_YEAR, required=False
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=None, required=False, empty_label=_("All groups")
    )

    def __init__(self, *args, groups, all_groups=True, **kwargs):
        """``groups``: the groups the reader may see (the policy's scope); ``all_groups``:
        whether that is every group (an admin) or the reader's own (a coordinator)."""
        super().__init__(*args, **kwargs)
        if self.is_bound and (self.data.get("start") or self.data.get("end")):
            # Dates typed in mean dates of one's choice, whatever the quick pick says:
            # never a report of another period than the one typed.
            self.data = self.data.copy()
            self.data["range"] = periods.CUSTOM
        self.fields["group"].queryset = groups
        if not all_groups:
            self.fields["group"].empty_label = _("All my groups")

    def clean(self):
        cleaned = super().clean()
        pick = cleaned.get("range") or periods.THIS_YEAR
        start, end = cleaned.get("start"), cleaned.get("end")
        if pick != periods.CUSTOM:
            cleaned["period"] = periods.quick_pick(pick)
            return cleaned
        if self.errors:
            return cleaned
        if start is None or end is None:
            for name, value in (("start", start), ("end", end)):
                if value is None:
                    self.add_error(name, _("Give both dates, or choose a quick pick."))
            return cleaned
        if end < start:
            self.add_error("end", _("The end comes before the start."))
        elif (end - start).days > MAX_DAYS:
            self.add_error("end", _("A report covers ten years at most."))
        elif start < datetime.date(2000, 1, 1) or end > datetime.date(
            timezone.localdate().year + 1, 12, 31
        ):
            self.add_error("start", _("Choose dates between 2000 and next year."))
        else:
            cleaned["period"] = periods.Period(start, end)
        return cleaned

    def period(self) -> periods.Period:
        """The period asked for; this year when the form is unbound or invalid (the page
        shows the errors above this year's figures)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return periods.quick_pick(periods.THIS_YEAR)

    def chosen_group(self):
        if self.is_bound and self.is_valid():
            return self.cleaned_data.get("group")
        return None
