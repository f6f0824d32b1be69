"""Every move a service request can make, in one table: from which states, to which, who
may make it, and the event it records. The services (``services.py``) refuse any other
move; the pages show the moves ``possible`` for the reader; the tests walk every pair.

======================  ==========================  ===========  =====================
move                    from                        to           who
======================  ==========================  ===========  =====================
dispatch                submitted                   dispatched   an administrator
accept                  dispatched                  accepted     the group's coordinators
decline                 dispatched                  submitted    the group's coordinators
start                   accepted                    in service   the group's coordinators
complete                in service                  completed    the group's coordinators
rate                    completed                   rated        the requester (by code)
close                   rated                       closed       coordinators, admins
withdraw                submitted ... in service    withdrawn    the requester (by code)
cancel                  submitted ... in service    withdrawn    coordinators, admins (for
                                                                 a requester who asks them)
lapse                   completed                   closed       the system, once the
                                                                 rating window has passed
======================  ==========================  ===========  =====================

"cancel" is the requester's withdrawal made by staff (a phone call, a visit: many
requesters have no email and keep no code), with the reason. "lapse" is done only by the
``close_requests`` command, REQUEST_RATING_DAYS after completion, so a request the
requester never rates does not stay open for ever; there is no button for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from service_requests.models import RequestEvent, ServiceRequest

S = ServiceRequest.Status

OPEN = frozenset({S.SUBMITTED, S.DISPATCHED, S.ACCEPTED, S.IN_SERVICE})


@dataclass(frozen=True)
class Move:
    name: str
    sources: frozenset[str]
    target: str
    who: str  # "admin", "group" (its coordinators, and admins), "requester" or "system"
    event: str
    label: object


MOVES: dict[str, Move] = {
    move.name: move
    for move in (
        Move("dispatch", frozenset({S.SUBMITTED}), S.DISPATCHED, "admin",
             RequestEvent.DISPATCHED, _("Dispatch to a group")),
        Move("accept", frozenset({S.DISPATCHED}), S.ACCEPTED, "group",
             RequestEvent.ACCEPTED, _("Take on the request")),
        Move("decline", frozenset({S.DISPATCHED}), S.SUBMITTED, "group",
             RequestEvent.DECLINED, _("Decline")),
        Move("start", frozenset({S.ACCEPTED}), S.IN_SERVICE, "group",
             RequestEvent.STARTED, _("Start the service")),
        Move("complete", frozenset({S.IN_SERVICE}), S.COMPLETED, "group",
             RequestEvent.COMPLETED, _("Mark as completed")),
        Move("rate", frozenset({S.COMPLETED}), S.RATED, "requester",
             RequestEvent.RATED, _("Rate the service")),
        Move("close", frozenset({S.RATED}), S.CLOSED, "group",
             RequestEvent.CLOSED, _("Close")),
        Move("withdraw", OPEN, S.WITHDRAWN, "requester", RequestEvent.WITHDRAWN,
             _("Withdraw my request")),
        Move("cancel", OPEN, S.WITHDRAWN, "group", RequestEvent.WITHDRAWN,
             _("Withdraw for the requester")),
        Move("lapse", frozenset({S.COMPLETED}), S.CLOSED, "system", RequestEvent.CLOSED,
             _("Close unrated")),
    )
}  # fmt: skip


def allowed_from(status: str) -> list[Move]:
    """The moves a request in ``status`` can make, in the table's order."""
    return [move for move in MOVES.values() if status in move.sources]
