"""Service hours: the hours page, and one view per thing done on it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from activities import selectors, services
from activities.forms import CorrectionDecisionForm, CorrectionRequestForm, HoursForm
from activities.models import HoursCorrectionRequest, SignUp
from activities.permissions import activity_policy, signup_policy
from activities.views.common import (
    ActivityManagerMixin,
    own_signups,
    show_batch,
    show_errors,
    visible_activities,
)
from volunteer_portal.permissions import policy_required


def _id(value) -> int | None:
    """A primary key from a form value, or None (never a 500 on junk)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 18 else None


class HoursView(ActivityManagerMixin, View):
    """Hours for every participant; each button posts to its own view below."""

    def get(self, request, pk):
        return render(
            request,
            "activities/hours.html",
            {
                "activity": self.activity,
                "signups": selectors.hours_sheet(self.activity),
                "decision_form": CorrectionDecisionForm(),
            },
        )


MANAGE = {"policy": activity_policy, "lookup": {"pk": "pk"}, "name": "activity"}


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def hours_fill(request, activity):
    """Propose hours for everyone marked present who has none yet."""
    try:
        result = services.hours_propose_attended(actor=request.user, activity=activity)
    except ValidationError as error:
        show_errors(request, error)
    else:
        show_batch(
            request,
            result,
            _("Hours were filled in from attendance for %(n)s people.") % {"n": result.done},
        )
    return redirect("activities:hours", pk=activity.pk)


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def hours_approve(request, activity):
    ids = [pk for pk in (_id(v) for v in request.POST.getlist("entry")) if pk]
    try:
        result = services.hours_approve(actor=request.user, activity=activity, entry_ids=ids)
    except ValidationError as error:
        show_errors(request, error)
    else:
        show_batch(request, result, _("%(n)s entries approved.") % {"n": result.done})
    return redirect("activities:hours", pk=activity.pk)


def _record_hours(request, activity, signup_pk, change) -> None:
    signup = get_object_or_404(
        SignUp.objects.filter(activity=activity).select_related("member"), pk=signup_pk
    )
    signup.activity = activity
    form = HoursForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return
    try:
        change(
            actor=request.user,
            signup=signup,
            hours=form.cleaned_data["hours"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Hours saved."))


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def hours_set(request, activity, signup_pk):
    """Set hours that are not approved yet."""
    _record_hours(request, activity, signup_pk, services.hours_propose)
    return redirect("activities:hours", pk=activity.pk)


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def hours_correct(request, activity, signup_pk):
    """Correct approved hours: a new entry supersedes the old one."""
    _record_hours(request, activity, signup_pk, services.hours_correct)
    return redirect("activities:hours", pk=activity.pk)


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def correction_decide(request, activity, correction_pk):
    correction = get_object_or_404(
        HoursCorrectionRequest.objects.filter(signup__activity=activity).select_related(
            "signup__member"
        ),
        pk=correction_pk,
    )
    correction.signup.activity = activity
    form = CorrectionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or reject."))
        return redirect("activities:hours", pk=activity.pk)
    try:
        services.correction_decide(
            actor=request.user,
            request=correction,
            accept=form.cleaned_data["decision"] == "accept",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The request was decided."))
    return redirect("activities:hours", pk=activity.pk)


def _my_signup(request, kwargs) -> dict:
    return {"pk": kwargs["signup_pk"], "member__user_id": request.user.pk}


@require_POST
@policy_required(signup_policy, "own", lookup=_my_signup, queryset=own_signups, name="signup")
def correction_request(request, signup_pk, signup):
    """The volunteer asks for their hours to be corrected (from their own page, or a page of
    their whole service record: back to where they were)."""
    back = reverse("me")
    record_page = request.POST.get("record_page", "")
    if record_page.isdecimal() and len(record_page) < 7:
        back = f"{reverse('activities:my-activities')}?show=past&page={int(record_page)}"
    form = CorrectionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the hours and a reason."))
        return redirect(back)
    try:
        services.correction_request(
            actor=request.user,
            signup=signup,
            requested_hours=form.cleaned_data["requested_hours"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("Your request was sent to the organisers."))
    return redirect(back)
