from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, UpdateView

from groups import selectors, services
from groups.forms import ServiceGroupProfileForm
from groups.permissions import group_policy
from volunteer_portal.permissions import PolicyMixin


class GroupListView(ListView):
    template_name = "groups/group_list.html"
    context_object_name = "groups"

    def get_queryset(self):
        return selectors.groups_with_heads(self.request.user)


class GroupDetailView(PolicyMixin, DetailView):
    policy = group_policy
    action = "view"
    login_required = False
    template_name = "groups/group_detail.html"
    context_object_name = "group"

    def get_queryset(self):
        return super().get_queryset().with_member_count()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current, past, upcoming = selectors.group_leader_terms(self.object)
        context.update(
            current_terms=current,
            past_terms=past,
            upcoming_terms=upcoming,
            can_change=group_policy.can_change(self.request.user, self.object),
        )
        return context


class GroupUpdateView(PolicyMixin, UpdateView):
    policy = group_policy
    action = "change"
    form_class = ServiceGroupProfileForm
    template_name = "groups/group_form.html"
    context_object_name = "group"

    def form_valid(self, form):
        emblem = form.cleaned_data.get("emblem")
        try:
            group = services.group_update_profile(
                actor=self.request.user,
                group=self.object,
                mission_zh=form.cleaned_data["mission_zh"],
                mission_en=form.cleaned_data["mission_en"],
                # False: "clear" ticked; an unchanged field gives back the stored file.
                emblem=None
                if emblem is False
                else (emblem if "emblem" in form.changed_data else services.KEEP),
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The group profile was saved."))
        return redirect("groups:group-detail", slug=group.slug)
