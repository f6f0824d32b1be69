"""The participants page's lists: how many are in each state, one page of each list, and
where a given sign-up is shown."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from activities.models import Activity, SignUp
from activities.selectors import confirmed_at_the_same_time, waiting_place
from volunteer_portal.paging import CountedPaginator

PARTICIPANTS_PER_PAGE = 50


@dataclass(frozen=True)
class ParticipantList:
    """One list of the participants page: the states it holds, its order, the address
    parameter of its page number (each list turns its pages on its own), and whether its
    people may be moved up (then the rule reads ``clashes``)."""

    statuses: tuple[str, ...]
    order: tuple
    param: str
    promotable: bool = False


IN_SIGNUP_ORDER = ("created_at", "pk")
PARTICIPANT_LISTS = {
    "confirmed": ParticipantList((SignUp.Status.CONFIRMED,), IN_SIGNUP_ORDER, "page"),
    "offered": ParticipantList((SignUp.Status.OFFERED,), IN_SIGNUP_ORDER, "offered_page", True),
    "waiting": ParticipantList((SignUp.Status.WAITING,), IN_SIGNUP_ORDER, "waiting_page", True),
    # The latest first: who dropped out lately is what a coordinator looks for here.
    "ended": ParticipantList(
        (SignUp.Status.CANCELLED, SignUp.Status.REMOVED, SignUp.Status.EXPIRED),
        (Coalesce("cancelled_at", "offer_expires_at").desc(nulls_last=True), "-pk"),
        "ended_page",
    ),
}


def participants(activity: Activity, *, pages=None, search: str = "") -> dict:
    """The participants page: how many are in each state (one query), and one page of each
    list (a query each, for its rows only: a 500-person activity shows 50 rows a list).

    ``pages`` maps each list's parameter to the page asked for (the address's query);
    ``search`` narrows the lists to names or phones that contain it. Waiting sign-ups carry
    their ``position`` on the whole list, searched or not."""
    pages = pages or {}
    matching = Q()
    if search:
        matching = Q(member__full_name__icontains=search) | Q(member__phone__contains=search)
    signups = SignUp.objects.filter(activity=activity)
    counts = signups.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in SignUp.Status.values},
        **{
            f"{key}_shown": Count("pk", filter=Q(status__in=part.statuses) & matching)
            for key, part in PARTICIPANT_LISTS.items()
        },
    )
    rows = signups.filter(matching).select_related("member")
    lists = {}
    for key, part in PARTICIPANT_LISTS.items():
        queryset = rows.filter(status__in=part.statuses).order_by(*part.order)
        if key == "waiting":
            queryset = queryset.annotate(position=waiting_place())
        paginator = CountedPaginator(queryset, PARTICIPANTS_PER_PAGE, count=counts[f"{key}_shown"])
        page = paginator.get_page(pages.get(part.param))
        page.object_list = list(page.object_list)  # an empty list asks no query
        lists[key] = page
    # Who is confirmed elsewhere at the same time (cannot be moved up): asked for the people
    # shown who could be moved up, by the members' index, instead of for every confirmed
    # sign-up in the database (19 ms at 50,000 sign-ups). Nobody else is moved up, so for
    # them the rule never reads ``clashes``.
    movable = [s for key, page in lists.items() if PARTICIPANT_LISTS[key].promotable for s in page]
    clashing = (
        set(
            confirmed_at_the_same_time(activity)
            .filter(member_id__in={s.member_id for s in movable})
            .values_list("member_id", flat=True)
        )
        if movable
        else set()
    )
    for page in lists.values():
        for item in page:
            item.activity = activity  # already loaded (with places_left): no query per row
            item.clashes = item.member_id in clashing
    total = sum(counts[status] for status in SignUp.Status.values)
    return {"counts": counts, "total": total, **lists}


def participant_page(signup: SignUp) -> tuple[str, int]:
    """Where the participants page shows a live sign-up: its list's page parameter and the
    page number (one query)."""
    part = next(p for p in PARTICIPANT_LISTS.values() if signup.status in p.statuses)
    ahead = (
        SignUp.objects.filter(activity_id=signup.activity_id, status__in=part.statuses)
        .filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lt=signup.pk)
        )
        .count()
    )
    return part.param, ahead // PARTICIPANTS_PER_PAGE + 1
