"""Signing up, cancelling and accepting offers; the coordinator's participants page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from activities import participation, selectors, services
from activities.forms import ParticipantAddForm
from activities.models import SignUp
from activities.permissions import activity_policy, signup_policy
from activities.views.common import ActivityManagerMixin, own_signups, show_errors
from volunteer_portal.permissions import policy_required


@require_POST
@policy_required(activity_policy, "view", lookup={"pk": "pk"}, name="activity")
def signup(request, activity):
    try:
        result = services.signup_create(actor=request.user, activity=activity)
    except ValidationError as error:
        show_errors(request, error)
        if any(e.code == "no_profile" for e in error.error_list):
            return redirect("members:me-edit")
    else:
        if result.status == SignUp.Status.CONFIRMED:
            messages.success(request, _("You are signed up. See you there!"))
        else:
            messages.info(
                request,
                _("The activity is full. You are number %(n)s on the waiting list.")
                % {"n": selectors.waiting_position(result)},
            )
    return redirect("activities:activity-detail", pk=activity.pk)


def _my_live_signup(request, kwargs) -> dict:
    return {"activity_id": kwargs["pk"], "member__user_id": request.user.pk}


def _own_live_signups(request):
    return own_signups(request).live()


MY_LIVE_SIGNUP = {"lookup": _my_live_signup, "queryset": _own_live_signups, "name": "mine"}


@require_POST
@policy_required(
    signup_policy, "own", lookup=_my_live_signup, queryset=_own_live_signups, name="mine"
)
def cancel_signup(request, pk, mine):
    try:
        services.signup_cancel(actor=request.user, signup=mine)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("activities:activity-detail", pk=pk)


@require_POST
@policy_required(
    signup_policy, "own", lookup=_my_live_signup, queryset=_own_live_signups, name="mine"
)
def accept_offer(request, pk, mine):
    try:
        services.offer_accept(actor=request.user, signup=mine)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The place is yours. See you there!"))
    return redirect("activities:activity-detail", pk=pk)


SEARCH_LENGTH = 50


def participants_query(params, *, without: str | None = None) -> str:
    """The participants page's own parameters in an address (the search, and the page each
    list is on), less ``without``: what its links and forms carry, so that acting on a row
    or turning one list's page leaves the rest of the page as it was."""
    kept = {"q", *(part.param for part in participation.PARTICIPANT_LISTS.values())} - {without}
    return urlencode([(key, value) for key, value in params.items() if key in kept and value])


class ParticipantsView(ActivityManagerMixin, FormView):
    form_class = ParticipantAddForm
    template_name = "activities/participants.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user}

    def get_context_data(self, **kwargs):
        params = self.request.GET
        search = params.get("q", "").strip()[:SEARCH_LENGTH]
        shown = participation.participants(self.activity, pages=params, search=search)
        links = {
            key: participants_query(params, without=part.param)
            for key, part in participation.PARTICIPANT_LISTS.items()
        }
        return super().get_context_data(
            **shown,
            search=search,
            # Worth a search box once the lists have more than one page.
            searchable=bool(search) or shown["total"] > participation.PARTICIPANTS_PER_PAGE,
            page_links=links,
            return_query=participants_query(params),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            result = services.participant_add(
                actor=self.request.user, activity=self.activity, member=form.member
            )
        except ValidationError as error:
            form.add_error("phone", error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(name)s was added (%(status)s).")
            % {"name": result.member.full_name, "status": result.get_status_display()},
        )
        # To the page of the list that shows them now.
        param, number = participation.participant_page(result)
        url = reverse("activities:participants", args=[self.activity.pk])
        return redirect(f"{url}?{urlencode({param: number})}#signup-{result.pk}")


@require_POST
@policy_required(activity_policy, "manage", lookup={"pk": "pk"}, name="activity")
def participant_change(request, activity, signup_pk, change):
    """Remove someone, or move them up from the waiting list; back to the same pages."""
    target = get_object_or_404(
        SignUp.objects.filter(activity=activity).select_related("member"), pk=signup_pk
    )
    target.activity = activity
    change_signup = services.participant_remove if change == "remove" else services.waitlist_promote
    try:
        change_signup(actor=request.user, signup=target)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Done."))
    url = reverse("activities:participants", args=[activity.pk])
    query = participants_query(request.GET)
    return redirect(f"{url}?{query}" if query else url)
