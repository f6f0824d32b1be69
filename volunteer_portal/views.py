"""Pages that gather from several apps, and the health check."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from activities.selectors import activities_for_listing
from groups.selectors import groups_with_heads
from reports.summary import impact_summary

logger = logging.getLogger(__name__)


def home(request):
    groups = groups_with_heads(request.user, is_active=True)
    upcoming = activities_for_listing(request.user).upcoming().order_by("starts_at", "pk")[:6]
    return render(
        request,
        "home.html",
        {"groups": groups, "upcoming_activities": upcoming, "impact": impact_summary()},
    )


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers a query, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
