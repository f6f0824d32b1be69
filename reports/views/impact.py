"""The public summary of impact (``/about/impact/``): anyone may read it, signed in or not.
Figures only, by group: no names, no personal data (reports/summary.py)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from reports.summary import impact_rows, impact_summary


@require_safe
def impact(request):
    summary = impact_summary()
    rows = impact_rows(summary)
    tables = [
        {
            "key": "ever",
            "title": _("Since the founding"),
            # The groups, then all of them together (group None).
            "rows": [(row.group, row.figures.ever) for row in rows] + [(None, summary.total.ever)],
        },
        {
            "key": "year",
            "title": _("In %(year)s") % {"year": summary.year},
            "rows": [(row.group, row.figures.year) for row in rows] + [(None, summary.total.year)],
        },
    ]
    return render(request, "reports/impact.html", {"summary": summary, "tables": tables})
