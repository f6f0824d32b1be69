"""Suggesting volunteers for an accepted request, from the group's talent database.

Members of the group (active membership, active record), ranked by:

1. free at the time (no confirmed place in another activity that overlaps the service);
2. skills matched (of those the coordinator asked for);
3. the same district as the request;
4. said they are available then (weekdays, weekends, evenings);
5. fair rotation: fewest requests served, then fewest approved hours, in the last 90 days,
   so the same five people are not always asked.

One query, whatever the size of the group: every criterion is an annotation. Each
suggestion carries its reasons ("same district", "skill: tax law", "served twice in 90
days") for the page to show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Activity, ServiceHours, SignUp
from groups.models import Membership
from members.models import Member
from service_requests.models import ServiceRequest

ROTATION_DAYS = 90
EVENING_FROM = datetime.time(18, 0)


@dataclass
class Suggestion:
    member: Member
    skills_matched: list[str]
    same_district: bool
    available: bool
    busy: bool
    served: int
    hours: float
    reasons: list[str] = field(default_factory=list)


def _availability(starts_at: datetime.datetime):
    local = timezone.localtime(starts_at)
    condition = Q(available_weekends=True) if local.weekday() >= 5 else Q(available_weekdays=True)
    if local.time() >= EVENING_FROM:
        condition &= Q(available_evenings=True)
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def suggestions(request: ServiceRequest, *, limit: int = 20) -> list[Suggestion]:
    """The group's members ranked for ``request`` (which has a group, and an activity
    giving the time once accepted)."""
    activity = request.activity
    since = timezone.now() - datetime.timedelta(days=ROTATION_DAYS)
    # A subquery, not a list: the ranking is then one query, the skill names a second.
    wanted = request.skills_needed.through.objects.filter(servicerequest_id=request.pk).values(
        "skill_id"
    )
    members = Member.objects.filter(
        status=Member.Status.ACTIVE,
        memberships__group_id=request.group_id,
        memberships__status=Membership.Status.ACTIVE,
    )
    if activity is not None:
        members = members.exclude(signups__activity=activity)  # asked already
        clash = SignUp.objects.filter(
            member=OuterRef("pk"),
            status=SignUp.Status.CONFIRMED,
            activity__starts_at__lt=activity.ends_at,
            activity__ends_at__gt=activity.starts_at,
        ).exclude(activity__status=Activity.Status.CANCELLED)
        members = members.annotate(busy=Exists(clash), available=_availability(activity.starts_at))
    else:
        members = members.annotate(busy=Value(False), available=Value(False))
    served = (
        SignUp.objects.filter(
            member=OuterRef("pk"),
            status=SignUp.Status.CONFIRMED,
            activity__service_request__isnull=False,
            activity__starts_at__gte=since,
            activity__starts_at__lte=timezone.now(),
        )
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    hours = (
        ServiceHours.objects.filter(
            signup__member=OuterRef("pk"),
            status=ServiceHours.Status.APPROVED,
            is_current=True,
            signup__activity__starts_at__gte=since,
        )
        .values("signup__member")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    # Every figure a subquery per member, none a join: no GROUP BY over the group's
    # members (which made PostgreSQL evaluate the rotation subqueries twice per member).
    matched = (
        Member.skills.through.objects.filter(member_id=OuterRef("pk"), skill_id__in=wanted)
        .values("member_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ranked = (
        members.annotate(
            skills_matched=Coalesce(Subquery(matched), Value(0)),
            same_district=Case(
                When(district=request.district, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            served=Coalesce(Subquery(served), Value(0)),
            recent_hours=Coalesce(
                Subquery(hours), Value(0), output_field=DecimalField(max_digits=8, decimal_places=2)
            ),
        ).order_by(
            F("busy").asc(),
            F("skills_matched").desc(),
            F("same_district").desc(),
            F("available").desc(),
            F("served").asc(),
            F("recent_hours").asc(),
            "full_name",
            "pk",
        )
    )[:limit]
    ranked = list(ranked)
    skill_names = _skill_names(ranked, wanted)
    return [_suggestion(member, skill_names.get(member.pk, [])) for member in ranked]


def _skill_names(members: list[Member], wanted) -> dict[int, list[str]]:
    """The matched skills' names for the shown members: one query for all."""
    if not any(member.skills_matched for member in members):
        return {}
    through = Member.skills.through.objects.filter(
        member_id__in=[m.pk for m in members], skill_id__in=wanted
    ).values_list("member_id", "skill__name")
    names: dict[int, list[str]] = {}
    for member_id, name in through:
        names.setdefault(member_id, []).append(name)
    return names


def _suggestion(member: Member, skills: list[str]) -> Suggestion:
    suggestion = Suggestion(
        member=member,
        skills_matched=sorted(skills),
        same_district=member.same_district,
        available=member.available,
        busy=member.busy,
        served=member.served,
        hours=float(member.recent_hours),
    )
    reasons = suggestion.reasons
    if member.busy:
        reasons.append(_("busy then: signed up for another activity"))
    reasons += [_("skill: %(skill)s") % {"skill": name} for name in suggestion.skills_matched]
    if member.same_district:
        reasons.append(_("same district"))
    if member.available:
        reasons.append(_("available at that time"))
    if member.served:
        reasons.append(
            ngettext("served once in 90 days", "served %(n)d times in 90 days", member.served)
            % {"n": member.served}
        )
    else:
        reasons.append(_("not asked in 90 days"))
    return suggestion
