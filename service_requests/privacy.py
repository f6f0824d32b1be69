"""Erasing the requester's personal data some time after a request ends
(``REQUEST_ERASE_AFTER_DAYS``), in the request and in its change history. What stays is
anonymous and feeds the reports: the kind, group, district, channel, dates, volunteers
needed, people served and the rating."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from service_requests.models import ServiceRequest

S = ServiceRequest.Status

ERASED = {
    "requester_name": "",
    "organisation": "",
    "phone": "",
    "email": "",
    "description": "",
    "preferred_dates": "",
    "decline_reason": "",
    "withdraw_reason": "",
    "delivery_notes": "",
    "rating_comment": "",
}


def erasable(now: datetime.datetime | None = None):
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.REQUEST_ERASE_AFTER_DAYS)
    # Ended: closed or withdrawn, or completed (rated or not) and left so: a group that
    # never closes a request does not keep its requester's data for ever.
    ended_at = Coalesce("closed_at", "rated_at", "completed_at")
    return ServiceRequest.objects.annotate(ended_at=ended_at).filter(
        status__in=(S.CLOSED, S.WITHDRAWN, S.COMPLETED, S.RATED),
        ended_at__lt=cutoff,
        erased_at__isnull=True,
    )


@transaction.atomic
def erase_personal_data(now: datetime.datetime | None = None) -> int:
    """Blank the personal fields of ended requests, in their history too. Two queries
    more or less, whatever the number."""
    now = now or timezone.now()
    ids = list(erasable(now).select_for_update().values_list("pk", flat=True))
    if not ids:
        return 0
    ServiceRequest.objects.filter(pk__in=ids).update(**ERASED, erased_at=now)
    ServiceRequest.history.filter(id__in=ids).update(**ERASED)
    return len(ids)
