"""/reports/: the figures of the groups the reader may see, for a period and a group (or
all of them), as a page that also prints on A4, and as a spreadsheet."""

from __future__ import annotations

import dataclasses

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from reports import precompute
from reports.figures import build
from reports.figures.tables import Scope
from reports.forms import ReportFilterForm
from reports.permissions import report_policy
from reports.xlsx import report_workbook
from volunteer_portal.permissions import PolicyMixin, policy_required
from volunteer_portal.replica import reads_from_replica

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_for(request):
    """The filter form, the report it asks for (this year's when the form has errors,
    which the page shows above it), and when its figures were made: now, or by the hourly
    job that computes this year's reports ahead (reports/precompute.py)."""
    groups = report_policy.instances_for(request.user, "view").order_by("display_order", "pk")
    everything = report_policy.sees_all_groups(request.user)
    form = ReportFilterForm(request.GET or None, groups=groups, all_groups=everything)
    period = form.period()
    group = form.chosen_group()
    if group is not None:
        scope = Scope((group.pk,), label=group.name)
    else:
        label = _("All groups") if everything else _("All my groups")
        scope = Scope(tuple(g.pk for g in groups), everything=everything, label=str(label))
    ahead = precompute.kept(scope, period)
    if ahead is not None:
        report, made_at = ahead  # the same figures; the reader's own label ("All my groups")
        return form, dataclasses.replace(report, scope=scope), made_at
    return form, build(scope, period), None


class ReportView(PolicyMixin, TemplateView):
    policy = report_policy
    action = "view"
    lookup = None
    template_name = "reports/report.html"

    @method_decorator(reads_from_replica)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, report, made_ahead = report_for(self.request)
        context.update(
            form=form,
            report=report,
            query_string=self.request.GET.urlencode(),
            can_ledger=report_policy.can_ledger(self.request.user),
            made_at=timezone.localtime(made_ahead) if made_ahead else timezone.localtime(),
            made_ahead=made_ahead is not None,
        )
        return context


@policy_required(report_policy, "view", lookup=None)
@reads_from_replica
def report_xlsx(request):
    """The whole report as a workbook: one sheet per section, the filters at the top."""
    form, report, _made_ahead = report_for(request)
    if form.errors:  # never a file of another period than the one asked for
        return redirect(f"{reverse('reports:report')}?{request.GET.urlencode()}")
    period = report.period
    response = HttpResponse(report_workbook(report), content_type=XLSX)
    name = f"report-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
