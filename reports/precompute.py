"""Reports computed ahead (issue 13): this year's report of all groups and of each group,
in each language, made by ``manage.py precompute_reports`` (a periodic job, hourly) and
kept in the shared cache, so that the report page opens at once. At a million members a
year's figures take the database ten seconds; any other period, or a group choice a
coordinator of several groups makes, is still computed when asked for.

Only with a shared cache (``REPORTS_PRECOMPUTED``, on with Redis): a cache of each
process's own would keep the job's reports in the job's process. A kept report older than
``REPORTS_PRECOMPUTED_MAX_AGE_MINUTES`` (the job has stopped) is not used; the page says
when the figures it shows were made.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext

from groups.models import ServiceGroup
from reports import periods
from reports.figures import build
from reports.figures.tables import Report, Scope
from volunteer_portal.replica import replica_reads


def _key(scope: Scope, period: periods.Period) -> str:
    what = (scope.group_ids, scope.everything, period.start, period.end, translation.get_language())
    return "report:" + hashlib.sha256(repr(what).encode()).hexdigest()


def kept(scope: Scope, period: periods.Period) -> tuple[Report, datetime.datetime] | None:
    """The report made ahead for this scope and period in the page's language, and when it
    was made; None when there is none, or it is too old."""
    if not settings.REPORTS_PRECOMPUTED:
        return None
    found = cache.get(_key(scope, period))
    if found is None:
        return None
    report, made_at = found
    oldest = timezone.now() - datetime.timedelta(
        minutes=settings.REPORTS_PRECOMPUTED_MAX_AGE_MINUTES
    )
    return (report, made_at) if made_at >= oldest else None


def scopes() -> list[Scope]:
    """What the report page shows without a choice: an admin's report of every group, and
    each group's (a coordinator's, or anyone's choice of one group); in the order and with
    the labels ``reports.views.report.report_for`` gives them."""
    groups = list(ServiceGroup.objects.order_by("display_order", "pk"))
    everything = Scope(
        tuple(g.pk for g in groups), everything=True, label=str(gettext("All groups"))
    )
    return [everything, *(Scope((g.pk,), label=g.name) for g in groups)]


def precompute() -> int:
    """Make and keep this year's reports; returns how many."""
    period = periods.quick_pick(periods.THIS_YEAR)
    made = 0
    timeout = settings.REPORTS_PRECOMPUTED_MAX_AGE_MINUTES * 60
    for language, _name in settings.LANGUAGES:
        with translation.override(language), replica_reads():
            for scope in scopes():
                cache.set(_key(scope, period), (build(scope, period), timezone.now()), timeout)
                made += 1
    return made
