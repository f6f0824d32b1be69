"""Who may see and move service requests.

=======================  ==========================================================
``request_policy``
``scope_view``           admins: all; coordinators: their groups' requests; else none
``can_view``             the same, for one request
``can_queue``            the queues: admins and coordinators (a volunteer: 403)
``can_dispatch``         an administrator, while the move is allowed (transitions.py)
``can_<group move>``     the request's group's current coordinators, and admins
                         (accept, decline, start, complete, close, and cancel: a
                         withdrawal for the requester; for a request still in
                         triage, admins), while allowed
``can_see_contact``      admins who may change requests, the coordinators of the
                         group it is dispatched to, and the volunteers serving it (a
                         confirmed place on its activity); everyone else, view-only
                         staff included, sees the phone and email masked
                         (``contact_visible``: the same for a whole list, one query)
``scope_board``          the board: the open requests (dispatched, accepted, in
                         service) of the groups where the user's member record holds
                         an active membership; nothing for anyone else
``can_board``            the board's page: any logged-in volunteer (empty without a
                         group); ``has_board``: a group to show (the link on "My page")
``can_offer_help``       a member (active membership) of the request's group; whether
                         the request is still open is the service's answer (a message)
=======================  ==========================================================

The requester has no account: the tracking code is their key (``views_public``), and the
moves that are theirs (rate, withdraw) are only reachable with it.
"""

from __future__ import annotations

from django.db.models import Q

from service_requests.models import ServiceRequest
from service_requests.transitions import MOVES, OPEN
from volunteer_portal.permissions import (
    Policy,
    is_admin,
    is_volunteer,
    managed_group_ids,
    member_group_ids,
)

VIEW_PERM = "service_requests.view_servicerequest"
CHANGE_PERM = "service_requests.change_servicerequest"

# The requests members see on the board and may offer to take: open, and with a group.
BOARD = (
    ServiceRequest.Status.DISPATCHED,
    ServiceRequest.Status.ACCEPTED,
    ServiceRequest.Status.IN_SERVICE,
)


class RequestPolicy(Policy):
    model = ServiceRequest

    def scope_view(self, user):
        if is_admin(user, VIEW_PERM):
            return ServiceRequest.objects.all()
        return ServiceRequest.objects.filter(group_id__in=managed_group_ids(user))

    scope_manage = scope_view

    def can_view(self, user, request: ServiceRequest) -> bool:
        return is_admin(user, VIEW_PERM) or self._of_group(user, request)

    def _of_group(self, user, request: ServiceRequest) -> bool:
        return request.group_id is not None and request.group_id in managed_group_ids(user)

    def can_act_for_group(self, user, request: ServiceRequest) -> bool:
        """The role for the group's moves: its coordinators, and admins."""
        return is_admin(user, CHANGE_PERM) or self._of_group(user, request)

    def can_manage(self, user, request: ServiceRequest) -> bool:
        return self.can_act_for_group(user, request)

    scope_queue = scope_view

    def can_queue(self, user, _obj=None) -> bool:
        """The queues (``/requests/queue/``): admins and the coordinators of any group.
        A volunteer who leads no group has no queue: 403, as for the talent search."""
        return is_admin(user, VIEW_PERM) or bool(managed_group_ids(user))

    def can_triage(self, user, request=None) -> bool:
        """The triage queue and dispatching: administrators."""
        return is_admin(user, CHANGE_PERM)

    def can_enter(self, user, request=None) -> bool:
        """Entering a request on someone's behalf (a call, a walk-in): admins and any
        coordinator."""
        return is_admin(user, CHANGE_PERM) or bool(managed_group_ids(user))

    def may_move(self, user, request: ServiceRequest, name: str) -> bool:
        move = MOVES[name]
        if request.status not in move.sources:
            return False
        if move.who == "admin":
            return self.can_triage(user, request)
        if move.who == "group":
            return self.can_act_for_group(user, request)
        return False  # the requester's go by tracking code; the system's by command

    def can_dispatch(self, user, request) -> bool:
        return self.may_move(user, request, "dispatch")

    def can_accept(self, user, request) -> bool:
        return self.may_move(user, request, "accept")

    def can_decline(self, user, request) -> bool:
        return self.may_move(user, request, "decline")

    def can_start(self, user, request) -> bool:
        return self.may_move(user, request, "start")

    def can_complete(self, user, request) -> bool:
        return self.may_move(user, request, "complete")

    def can_close(self, user, request) -> bool:
        return self.may_move(user, request, "close")

    def can_cancel(self, user, request) -> bool:
        return self.may_move(user, request, "cancel")

    def can_see_contact(self, user, request: ServiceRequest) -> bool:
        return request.pk in self.contact_visible(user, [request])

    def contact_visible(self, user, requests) -> set[int]:
        """The ids among ``requests`` whose phone and email ``user`` may see: one query at
        most, for a whole list. Staff allowed only to *view* requests see them masked, as
        identity numbers are for staff allowed only to view members (Django admin too)."""
        if is_admin(user, CHANGE_PERM):
            return {request.pk for request in requests}
        managed = managed_group_ids(user)
        seen = {request.pk for request in requests if request.group_id in managed}
        # The volunteers serving it: while it is open only (not once closed or withdrawn).
        by_activity = {
            request.activity_id: request.pk
            for request in requests
            if request.pk not in seen and request.activity_id is not None and request.status in OPEN
        }
        if not by_activity or not user.is_authenticated:
            return seen
        from activities.models import SignUp

        serving = SignUp.objects.filter(
            activity_id__in=by_activity, member__user=user, status=SignUp.Status.CONFIRMED
        ).values_list("activity_id", flat=True)
        return seen | {by_activity[activity_id] for activity_id in serving}

    def contact_q(self, user) -> Q:
        """The requests whose phone and email ``user`` may see, as a filter (for a search
        by phone); the volunteers serving one do not search the queues."""
        if is_admin(user, CHANGE_PERM):
            return Q()
        return Q(group_id__in=managed_group_ids(user))

    # --- The board: members offer to take their group's open requests ---------------

    def scope_board(self, user):
        return ServiceRequest.objects.filter(status__in=BOARD, group_id__in=member_group_ids(user))

    def scope_offer_help(self, user):
        """The requests of the user's groups, in any state: offering on one that closed
        meanwhile gets a message from the service, not a 404."""
        return ServiceRequest.objects.filter(group_id__in=member_group_ids(user))

    def can_board(self, user, _obj=None) -> bool:
        return is_volunteer(user)

    def has_board(self, user) -> bool:
        """Whether the board has a group to show the user (the link on "My page")."""
        return bool(member_group_ids(user))

    def can_offer_help(self, user, request: ServiceRequest) -> bool:
        return request.group_id is not None and request.group_id in member_group_ids(user)


request_policy = RequestPolicy().register()
