"""The hours ledger page (admins): the period and the group, how many entries they hold, and
the downloads (``?format=xlsx`` or ``?format=csv`` with the same filters)."""

from __future__ import annotations

from django import forms
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from groups.models import ServiceGroup
from reports import ledger
from reports.forms import ReportFilterForm
from reports.permissions import report_policy
from volunteer_portal.permissions import PolicyMixin
from volunteer_portal.replica import reads_from_replica

FILTERS = ("range", "start", "end", "group", "format")


class LedgerForm(ReportFilterForm):
    """The report's filters, and the file asked for (empty: the page itself). The format
    comes from the download buttons, never typed: a hidden field, so an unknown one is an
    error in the summary above the form."""

    format = forms.ChoiceField(
        label=_("File format"),
        choices=[("", "—"), *((fmt, fmt.upper()) for fmt in ledger.FORMATS)],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        # Admins export every group's hours: the ledger is not scoped to groups one leads.
        super().__init__(*args, groups=ServiceGroup.objects.all(), **kwargs)


class LedgerView(PolicyMixin, TemplateView):
    policy = report_policy
    action = "ledger"
    lookup = None
    template_name = "reports/ledger.html"

    @method_decorator(reads_from_replica)
    def get(self, request, *args, **kwargs):
        bound = any(name in request.GET for name in FILTERS)
        form = LedgerForm(request.GET if bound else None)
        if bound and form.is_valid() and form.cleaned_data["format"]:
            return ledger.ledger_response(self.ledger_for(form), form.cleaned_data["format"])
        return self.render_to_response(self.get_context_data(form=form))

    def ledger_for(self, form: LedgerForm) -> ledger.Ledger:
        return ledger.Ledger(
            period=form.period(),
            group=form.chosen_group(),
            full_ids=report_policy.sees_full_ids(self.request.user),
        )

    def get_context_data(self, *, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        valid = not form.is_bound or form.is_valid()
        context["full_ids"] = report_policy.sees_full_ids(self.request.user)
        if valid:
            period, group = form.period(), form.chosen_group()
            context.update(
                period=period,
                group=group,
                entry_count=ledger.ledger_entries(period, group).count(),
            )
        return context
