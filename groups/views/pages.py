"""A group's pages: the list, a group and its profile, joining (applications and their
decisions), leaving."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, UpdateView

from groups import selectors, services
from groups.forms import ApplicationForm, RejectionForm, ServiceGroupProfileForm
from groups.models import Membership
from groups.permissions import group_policy, membership_policy
from members.models import Member
from volunteer_portal.permissions import PolicyMixin, policy_required


class GroupListView(ListView):
    template_name = "groups/group_list.html"
    context_object_name = "groups"

    def get_queryset(self):
        return selectors.groups_with_heads(self.request.user)


class GroupDetailView(PolicyMixin, DetailView):
    policy = group_policy
    action = "view"
    lookup = {"slug": "slug"}
    login_required = False
    template_name = "groups/group_detail.html"
    context_object_name = "group"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, group = self.request.user, self.object
        selectors.with_member_counts([group])
        current, past, upcoming = selectors.group_leader_terms(group)
        can_change = group_policy.allows(user, "change", group)
        context.update(
            current_terms=current,
            past_terms=past,
            upcoming_terms=upcoming,
            can_change=can_change,
            my_membership=(
                Membership.objects.live().filter(group=group, member__user=user).first()
                if user.is_authenticated
                else None
            ),
            pending_count=(
                Membership.objects.pending().filter(group=group).count() if can_change else 0
            ),
        )
        return context


class GroupUpdateView(PolicyMixin, UpdateView):
    policy = group_policy
    action = "change"
    lookup = {"slug": "slug"}
    form_class = ServiceGroupProfileForm
    template_name = "groups/group_form.html"
    context_object_name = "group"

    def form_valid(self, form):
        if form.processed_emblem is not None:
            emblem = form.processed_emblem.image
        elif form.cleaned_data.get("remove_emblem"):
            emblem = None
        else:
            emblem = services.KEEP
        try:
            group = services.group_update_profile(
                actor=self.request.user,
                group=self.object,
                mission_zh=form.cleaned_data["mission_zh"],
                mission_en=form.cleaned_data["mission_en"],
                emblem=emblem,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The group profile was saved."))
        return redirect("groups:group-detail", slug=group.slug)


# --- Joining a group -------------------------------------------------------------------


class ApplyView(PolicyMixin, FormView):
    """A volunteer applies to join a group, with a short motivation."""

    policy = group_policy
    action = "view"
    lookup = {"slug": "slug"}
    object_name = "group"
    form_class = ApplicationForm
    template_name = "groups/apply.html"

    def get_member(self):
        return Member.objects.filter(user=self.request.user).first()

    def get(self, request, *args, **kwargs):
        if self.get_member() is None:
            messages.info(request, _("Please complete your profile before applying."))
            return redirect("members:me-edit")
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        member = self.get_member()
        if member is None:
            return redirect("members:me-edit")
        try:
            services.membership_apply(
                actor=self.request.user,
                member=member,
                group=self.group,
                motivation=form.cleaned_data["motivation"],
            )
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect("groups:group-detail", slug=self.group.slug)
        messages.success(
            self.request,
            _("Your application was sent. The group's coordinators will reply soon."),
        )
        return redirect("me")


class ManagesGroup(PolicyMixin):
    """Declares: pages for the group's coordinators and admins; ``self.group``."""

    policy = group_policy
    action = "manage"
    lookup = {"slug": "slug"}
    object_name = "group"


MANAGE_GROUP = {"policy": group_policy, "action": "manage", "lookup": {"slug": "slug"}}


class ApplicationListView(ManagesGroup, ListView):
    template_name = "groups/applications.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        return (
            Membership.objects.pending()
            .filter(group=self.group)
            .select_related("member")
            .prefetch_related("member__skills")
            .order_by("created_at", "pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(rejection_form=RejectionForm(), **kwargs)


@require_POST
@policy_required(name="group", **MANAGE_GROUP)
def application_decide(request, group, pk, decision):
    membership = get_object_or_404(
        membership_policy.instances_for(request.user, "manage")
        .filter(group=group)
        .select_related("member", "group"),
        pk=pk,
    )
    try:
        if decision == "approve":
            services.membership_approve(actor=request.user, membership=membership)
            messages.success(
                request, _("%(name)s is now a member.") % {"name": membership.member.full_name}
            )
        else:
            form = RejectionForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a reason when rejecting an application."))
                return redirect("groups:applications", slug=group.slug)
            services.membership_reject(
                actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("The application of %(name)s was rejected.")
                % {"name": membership.member.full_name},
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("groups:applications", slug=group.slug)


def _memberships_to_end(request):
    """Memberships in groups the user sees (someone else's: 403), and the user's own, also
    in a group no longer active (they may still leave it)."""
    return Membership.objects.filter(
        Q(group__in=group_policy.instances_for(request.user)) | Q(member__user=request.user)
    ).select_related("member", "group")


@require_POST
@policy_required(
    membership_policy,
    "handle",
    lookup={"pk": "pk", "group__slug": "slug"},
    queryset=_memberships_to_end,
    name="membership",
)
def membership_end(request, membership):
    """A coordinator marks a member as having left, or a member leaves a group."""
    try:
        services.membership_leave(actor=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s has left %(group)s.")
            % {"name": membership.member.full_name, "group": membership.group.name},
        )
    if membership.member.user_id == request.user.pk:
        return redirect("me")
    return redirect("groups:roster", slug=membership.group.slug)
