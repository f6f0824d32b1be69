"""Managing activities: create, edit, publish, cancel, copy, complete, photos, dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from activities import selectors, services
from activities.forms import ActivityForm, CancelActivityForm, CompleteForm, PhotoUploadForm
from activities.models import Activity
from activities.permissions import activity_policy
from activities.views.common import (
    ActivityManagerMixin,
    show_batch,
    show_errors,
    visible_activities,
)
from groups.permissions import group_policy
from volunteer_portal.permissions import PolicyMixin, policy_required


class ActivityFormMixin:
    """The form of a new or existing activity: ``self.group`` and ``self.instance``."""

    form_class = ActivityForm
    template_name = "activities/activity_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(group=self.group, instance=self.instance)
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs.update(group=self.group, object=self.instance)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        activity = form.save(commit=False)
        try:
            activity = services.activity_save(
                actor=self.request.user,
                activity=activity,
                themes=form.cleaned_data["themes"],
                skills=form.cleaned_data["skills_wanted"],
                cover=form.processed_cover.image if form.processed_cover else None,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The activity was saved."))
        return redirect("activities:activity-detail", pk=activity.pk)


class ActivityCreateView(PolicyMixin, ActivityFormMixin, FormView):
    policy = group_policy
    action = "manage"
    lookup = {"slug": "slug"}
    object_name = "group"

    @cached_property
    def instance(self) -> Activity:
        return Activity(group=self.group)


class ActivityUpdateView(ActivityManagerMixin, ActivityFormMixin, FormView):
    @property
    def group(self):
        return self.activity.group

    @property
    def instance(self) -> Activity:
        return self.activity


MANAGE = {"policy": activity_policy, "lookup": {"pk": "pk"}, "name": "activity"}


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def activity_publish(request, activity):
    try:
        services.activity_publish(actor=request.user, activity=activity)
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The activity is published; volunteers can sign up."))
    return redirect("activities:activity-detail", pk=activity.pk)


@require_POST
@policy_required(action="manage", queryset=visible_activities, **MANAGE)
def activity_cancel(request, activity):
    form = CancelActivityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [])))
        return redirect("activities:activity-detail", pk=activity.pk)
    try:
        services.activity_cancel(
            actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, _("The activity is cancelled; everyone signed up is told."))
    return redirect("activities:activity-detail", pk=activity.pk)


@require_POST
@policy_required(action="copy", queryset=visible_activities, **MANAGE)
def activity_copy(request, activity):
    copy = services.activity_copy(actor=request.user, activity=activity)
    messages.success(request, _("A copy was made as a draft. Set its dates, then publish it."))
    return redirect("activities:activity-edit", pk=copy.pk)


class ActivityCompleteView(ActivityManagerMixin, FormView):
    form_class = CompleteForm
    template_name = "activities/activity_complete.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.activity}

    def form_valid(self, form):
        try:
            result = services.activity_complete(
                actor=self.request.user,
                activity=self.activity,
                beneficiaries=form.cleaned_data["beneficiaries"],
                report=form.cleaned_data["report"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if self.activity.hours_approvable():
            done = _("The activity is completed. Now approve the hours.")
        else:
            done = _(
                "The activity is completed. Its hours can be approved once it has ended, at "
                "%(time)s."
            ) % {"time": date_format(localtime(self.activity.ends_at), "SHORT_DATETIME_FORMAT")}
        show_batch(self.request, result, done)
        return redirect("activities:hours", pk=self.activity.pk)


class PhotoUploadView(ActivityManagerMixin, FormView):
    form_class = PhotoUploadForm
    template_name = "activities/photo_upload.html"

    def form_valid(self, form):
        saved = services.activity_add_photos(
            actor=self.request.user,
            activity=self.activity,
            photos=form.processed,
            caption=form.cleaned_data["caption"],
        )
        messages.success(self.request, _("%(n)s photos added.") % {"n": len(saved)})
        return redirect("activities:activity-detail", pk=self.activity.pk)


class GroupDashboardView(PolicyMixin, View):
    policy = group_policy
    action = "manage"
    lookup = {"slug": "slug"}
    object_name = "group"

    def get(self, request, slug):
        return render(
            request,
            "activities/dashboard.html",
            {"group": self.group, **selectors.group_dashboard(self.group)},
        )
