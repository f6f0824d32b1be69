"""The staff's pages: the queues, one request with the moves its reader may make now, the
moves themselves, and entering a request on someone's behalf.

The tracking code is the requester's key (it withdraws the request): staff pages name a
request by its number, never by its code. The one exception is the moment staff enter a
request for someone, who must be told their code (a message, shown once)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView, TemplateView

from groups.models import ServiceGroup
from service_requests import queues, services
from service_requests.board import board_text
from service_requests.filters import RequestFilter
from service_requests.forms_staff import FORMS, RequestEnterForm
from service_requests.models import ServiceRequest
from service_requests.permissions import request_policy
from service_requests.transitions import MOVES, OPEN, allowed_from
from volunteer_portal.paging import PageRowsMixin
from volunteer_portal.permissions import PolicyMixin, policy_required

PAGE = 50

# The role a move needs (the policy's rule); whether the state allows it is the service's
# answer, given as a message ("no longer possible"), not as a refusal.
ROLE = {"admin": "triage", "group": "act_for_group"}

SERVICES = {
    "dispatch": services.request_dispatch,
    "accept": services.request_accept,
    "decline": services.request_decline,
    "start": services.request_start,
    "complete": services.request_complete,
    "close": services.request_close,
    "cancel": services.request_cancel,
}

DONE = {
    "dispatch": gettext_lazy("Request No. %(number)s was dispatched to %(group)s."),
    "accept": gettext_lazy(
        "Request No. %(number)s is accepted. Its activity is a draft: complete and publish it."
    ),
    "decline": gettext_lazy("Request No. %(number)s went back to the administrators."),
    "start": gettext_lazy("Request No. %(number)s is in service."),
    "complete": gettext_lazy("Request No. %(number)s is completed."),
    "close": gettext_lazy("Request No. %(number)s is closed."),
    "cancel": gettext_lazy("Request No. %(number)s is withdrawn for the requester."),
}


class RequestQueueView(PolicyMixin, PageRowsMixin, ListView):
    """Admins: every request; coordinators: their groups'. Filters, 50 a page."""

    policy = request_policy
    action = "queue"
    lookup = None
    template_name = "service_requests/queue.html"
    context_object_name = "requests_page"
    paginate_by = PAGE

    def get_queryset(self):
        user = self.request.user
        visible = request_policy.instances_for(user, "queue")
        groups = ServiceGroup.objects.filter(pk__in=visible.values("group_id"))
        self.filterset = RequestFilter(
            self.request.GET or None, queryset=visible, request=self.request, groups=groups
        )
        queryset = self.filterset.qs if self.filterset.is_bound else visible
        return queues.in_queue_order(queryset)

    def page_rows(self, queryset, rows):
        """The page's rows, with their columns and groups: only those (see
        ``queues.with_queue_columns``)."""
        return queues.with_queue_columns(
            queryset.model.objects.filter(pk__in=rows.values("pk")), timezone.now()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        visible = request_policy.contact_visible(self.request.user, rows)
        for row in rows:
            row.contact = queues.contact_of(row, row.pk in visible)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            rows=rows,
            filterset=self.filterset,
            query_string=query.urlencode(),
            can_triage=request_policy.can_triage(self.request.user),
            can_enter=request_policy.can_enter(self.request.user),
            triage_selected=self.request.GET.get("status") == ServiceRequest.Status.SUBMITTED,
            overdue_days=settings.REQUEST_OVERDUE_DAYS,
        )
        return context


def detail_context(request, service_request: ServiceRequest, failed=None) -> dict:
    """Everything the request's page shows; ``failed``: a move's form sent back with its
    errors, shown in place of the empty one."""
    user = request.user
    moves = []
    for move in allowed_from(service_request.status):
        if move.who == "requester" or not request_policy.may_move(user, service_request, move.name):
            continue
        if failed is not None and failed.prefix == move.name:
            form = failed
        else:
            form = FORMS[move.name](service_request=service_request, prefix=move.name)
        moves.append({"move": move, "form": form})
    visible = request_policy.can_see_contact(user, service_request)
    return {
        **_volunteers_context(user, service_request),
        "service_request": service_request,
        "contact": queues.contact_of(service_request, visible),
        "timeline": queues.timeline(service_request, user, masked=not visible),
        # Free text staff typed ("called on 3 May from 138…"): masked like the contacts.
        "withdraw_reason": board_text(service_request.withdraw_reason)
        if not visible
        else service_request.withdraw_reason,
        "moves": moves,
        "failed_form": failed,
        "skills_needed": list(service_request.skills_needed.all()),
        "overdue": service_request.status in OPEN
        and service_request.last_action_at < queues.overdue_cutoff(timezone.now()),
    }


def visible_requests(request):
    return request_policy.instances_for(request.user, "view").select_related(
        "group", "wanted_group", "activity", "entered_by"
    )


class RequestDetailView(PolicyMixin, TemplateView):
    policy = request_policy
    action = "view"
    object_name = "service_request"
    template_name = "service_requests/detail.html"

    def get_policy_queryset(self):
        return visible_requests(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(detail_context(self.request, self.service_request))
        return context


def _add_service_error(form, error: ValidationError) -> None:
    """The service's refusal on the form: on the fields it names that the form has, the
    rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_POST
@policy_required(lookup=None)
def request_move(request, pk, move):
    """One move of one request. 404 for a name that is not a staff move or a request the
    user may not see; 403 for a move that is not theirs to make; a message when the state
    no longer allows it (someone was quicker); the page again with the errors of a form."""
    spec = MOVES.get(move)
    if spec is None or spec.who not in ROLE:
        raise Http404
    service_request = request_policy.get(
        request.user, ROLE[spec.who], queryset=visible_requests(request), pk=pk
    )
    form = FORMS[move](request.POST, service_request=service_request, prefix=move)
    if not form.is_valid():
        return render(
            request, "service_requests/detail.html", detail_context(request, service_request, form)
        )
    try:
        done = SERVICES[move](actor=request.user, request=service_request, **form.service_kwargs())
    except ValidationError as error:
        if getattr(error, "code", None) == "illegal_move" or not form.fields:
            messages.error(request, " ".join(error.messages))
            return _back(request, service_request)
        _add_service_error(form, error)
        return render(
            request, "service_requests/detail.html", detail_context(request, service_request, form)
        )
    group = done.group.name if done.group_id else ""
    messages.success(request, DONE[move] % {"number": done.pk, "group": group})
    return _back(request, done)


def _back(request, service_request: ServiceRequest):
    """To the request's page, or to the queue when the reader no longer sees it (declined:
    back with the administrators, out of the group's queue)."""
    if request_policy.can_view(request.user, service_request):
        return redirect("requests:detail", pk=service_request.pk)
    return redirect("requests:queue")


class RequestEnterView(PolicyMixin, FormView):
    """A request taken on the phone, at the desk or at an event, entered for the person."""

    policy = request_policy
    action = "enter"
    lookup = None
    form_class = RequestEnterForm
    template_name = "service_requests/enter.html"

    def form_valid(self, form):
        service_request = form.save(commit=False)
        try:
            service_request = services.request_submit(
                request=service_request, actor=self.request.user
            )
        except ValidationError as error:
            _add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Request No. %(number)s was entered. Tell the requester their tracking code "
                "(only they should keep it): %(code)s"
            )
            % {"number": service_request.pk, "code": service_request.code},
        )
        return _back(self.request, service_request)  # the queue: waiting to be dispatched


# --- Asking volunteers: suggestions from the talent database ---------------------------


def _volunteers_context(user, service_request: ServiceRequest) -> dict:
    """The members who offered to help on the board (marked once asked); once accepted,
    who was asked (and how it stands), and, for the group's coordinators, the members
    suggested next, best first, each with its reasons (those who offered are listed
    first, to tick, and not again among the suggestions)."""
    from activities.models import SignUp
    from service_requests.board import offers_for
    from service_requests.matching import suggestions

    if service_request.activity_id is None:
        return {"help_offers": offers_for(service_request, set())}
    asked = list(
        SignUp.objects.filter(activity_id=service_request.activity_id)
        .select_related("member")
        .order_by("created_at", "pk")
    )
    offers = offers_for(service_request, {signup.member_id for signup in asked})
    offered = {offer.member_id for offer in offers}
    may_ask = service_request.status in INVITING and request_policy.can_act_for_group(
        user, service_request
    )
    ranked = suggestions(service_request) if may_ask else []
    return {
        "asked": asked,
        "help_offers": offers,
        "offers_to_ask": [offer for offer in offers if not offer.asked] if may_ask else [],
        "suggestions": [s for s in ranked if s.member.pk not in offered],
        "may_ask": may_ask,
    }


INVITING = (ServiceRequest.Status.ACCEPTED, ServiceRequest.Status.IN_SERVICE)
MAX_ASKED = 100  # at once: far more than any request needs


@require_POST
@policy_required(lookup=None)
def request_invite(request, pk):
    """Ask the members ticked among the suggestions, in the order shown."""
    service_request = request_policy.get(
        request.user, "act_for_group", queryset=visible_requests(request), pk=pk
    )
    values = request.POST.getlist("member")[:MAX_ASKED]
    member_ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 12]
    if not member_ids:
        messages.error(request, _("Tick the volunteers to ask."))
        return redirect("requests:detail", pk=service_request.pk)
    try:
        invited, passed_over = services.request_invite(
            actor=request.user, request=service_request, member_ids=member_ids
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("requests:detail", pk=service_request.pk)
    messages.success(
        request,
        _(
            "Asked %(count)d: the places went out as offers to the first of them; a decline "
            "or a lapse passes a place to the next."
        )
        % {"count": len(invited)},
    )
    if passed_over:
        messages.warning(
            request,
            _("Not asked (asked already, inactive or busy then): %(names)s")
            % {"names": "、".join(passed_over)},
        )
    return redirect("requests:detail", pk=service_request.pk)
