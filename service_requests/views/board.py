"""The board (``/requests/board/``): a volunteer sees the open requests of the groups they
are an active member of, newest first, and offers to help with one; the group's
coordinators confirm by asking them from the request's page.

Nothing of the requester is shown here, nor even read: their name, organisation, phone and
email are left out of the query, and numbers or addresses typed into the description are
masked (``board.board_text``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from activities.models import SignUp
from service_requests import board
from service_requests.models import HelpOffer
from service_requests.permissions import request_policy
from volunteer_portal.permissions import PolicyMixin, policy_required

PAGE = 50

# What the board never reads, so no template can show it by mistake.
PERSONAL = ("requester_name", "organisation", "phone", "email", "rating_comment")


class BoardView(PolicyMixin, ListView):
    policy = request_policy
    action = "board"
    lookup = None
    template_name = "service_requests/board.html"
    context_object_name = "requests_page"
    paginate_by = PAGE

    def get_queryset(self):
        return (
            request_policy.instances_for(self.request.user, "board")
            .defer(*PERSONAL)
            .select_related("group", "wanted_group")
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = list(context["object_list"])
        offered = set(
            HelpOffer.objects.filter(
                member__user=user, request_id__in=[row.pk for row in rows]
            ).values_list("request_id", flat=True)
        )
        activities = [row.activity_id for row in rows if row.activity_id is not None]
        asked = set(
            SignUp.objects.live()
            .filter(member__user=user, activity_id__in=activities)
            .values_list("activity_id", flat=True)
            if activities
            else ()
        )
        for row in rows:
            row.text = board.board_text(row.description)
            row.offered = row.pk in offered
            row.asked = row.activity_id is not None and row.activity_id in asked
        context.update(rows=rows, has_groups=request_policy.has_board(user))
        return context


def _offer_queryset(request):
    return request_policy.instances_for(request.user, "offer_help")


@require_POST
@policy_required(request_policy, "offer_help", name="service_request", queryset=_offer_queryset)
def board_offer(request, service_request):
    """ "I can help": the offer is recorded and the group's coordinators are told."""
    try:
        board.help_offer(actor=request.user, request=service_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Thank you. The group's coordinators have been told that you offer to help "
                "with request No. %(number)s; they confirm by offering you a place."
            )
            % {"number": service_request.pk},
        )
    page = request.POST.get("page", "")
    query = f"?page={page}" if page.isdigit() and len(page) < 6 and page != "1" else ""
    return redirect(f"{reverse('requests:board')}{query}#request-{service_request.pk}")
