"""The report's figures, section by section, every one computed by the database
(``GROUP BY`` and conditional aggregates): a fixed number of queries whatever the size of
the data (``tests/reports/test_figures.py`` pins it).

:func:`build` returns the :class:`~reports.figures.tables.Report` for a scope (the groups)
and a period; the page, the spreadsheet and the print view all show that one object.

What counts where (said on the page too):

* an activity belongs to the period in which it **starts**, and is *held* when it is
  published or completed and has started (drafts and cancelled ones are not held);
* hours count when **approved and current** (a corrected entry counts once, as corrected),
  in the period of their activity;
* a request is *received* when it is created, *completed* when it is marked completed
  (rated and closed ones included), *declined* and *withdrawn* when that happened.
"""

from __future__ import annotations

from reports.figures import activities, hours, people, requests, trend
from reports.figures.tables import Report, Scope


def build(scope: Scope, period) -> Report:
    approved = hours.facts(scope, period)  # aggregated once, shown in three sections
    return Report(
        scope=scope,
        period=period,
        sections=[
            people.section(scope, period, approved),
            activities.section(scope, period),
            hours.section(scope, period, approved),
            requests.section(scope, period),
            trend.section(scope, period, approved),
        ],
    )
