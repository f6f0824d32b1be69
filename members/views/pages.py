"""Pages about people: the volunteer's own page, member records, the talent search."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView

from members import selectors, services
from members.forms import (
    DeletionRequestForm,
    MemberProfileForm,
)
from members.models import DeletionRequest, Member
from members.permissions import member_policy
from members.views.lists import MemberListMixin
from volunteer_portal import files, throttle
from volunteer_portal.permissions import PolicyMixin, own_record, policy_required

ROWS_PER_PAGE = 50


@method_decorator(never_cache, name="dispatch")  # personal data: no cache keeps it
class MeView(PolicyMixin, View):
    """The volunteer's own page: profile, groups and applications, data and privacy.

    Apps further up (activities) extend it through ``template_name`` and
    ``extra_context_for``; this app knows nothing of them.
    """

    policy = None  # a page about the user's own record: a login is all it needs
    template_name = "members/me.html"

    def extra_context_for(self, member) -> dict:
        return {}

    def member_queryset(self, queryset):
        """The query that loads the member: apps further up annotate what their part of the
        page needs about the member (one query instead of one each)."""
        return queryset

    def get(self, request):
        open_request = DeletionRequest.objects.filter(
            member=OuterRef("pk"), handled_at__isnull=True
        )
        member = (
            self.member_queryset(Member.objects.filter(user=request.user))
            # At most one is open (a database rule): when it was asked for, in this query.
            .annotate(deletion_requested_at=Subquery(open_request.values("requested_at")[:1]))
            .prefetch_related("skills", *selectors.member_page_prefetches())
            .first()
        )
        if member is None:
            return redirect("members:me-edit")
        return render(
            request,
            self.template_name,
            {
                **self.extra_context_for(member),
                "member": member,
                "member_parts": selectors.MEMBER_PAGE_PARTS,
                "deletion_form": DeletionRequestForm(),
            },
        )


class ProfileFormMixin:
    """Shared by the volunteer's own edit page and the coordinator's edit page."""

    template_name = "members/member_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["show_national_id"] = self.member is None or member_policy.sees_full_national_id(
            self.request.user, self.member
        )
        if self.member is not None:
            kwargs["instance"] = self.member
        return kwargs

    def photo_change(self, form):
        if form.processed_photo is not None:
            return form.processed_photo
        if form.cleaned_data.get("remove_photo"):
            return None
        return services.KEEP

    def update_member(self, form) -> Member:
        return services.member_update(
            actor=self.request.user,
            member=self.member,
            fields=form.profile_data(),
            skills=form.cleaned_data["skills"],
            photo=self.photo_change(form),
        )


@method_decorator(never_cache, name="dispatch")
class MeEditView(throttle.RateLimitedFormMixin, PolicyMixin, ProfileFormMixin, FormView):
    """The volunteer's own profile; an account without a member record completes one.

    Limited per account, as it answers whether a phone is taken; an identity number that
    another record holds is accepted without saying so (the form's ``reveal_taken_id``)."""

    rate_limits = (("profile", "user"),)

    policy = None
    form_class = MemberProfileForm

    @cached_property
    def member(self) -> Member | None:
        return Member.objects.filter(user=self.request.user).first()

    def get_initial(self):
        if self.member is None:
            user = self.request.user
            return {"full_name": user.get_full_name() or user.get_username(), "email": user.email}
        return {}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "reveal_taken_id": False}

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.member, own=True, **kwargs)

    def form_valid(self, form):
        try:
            if self.member is None:
                services.member_create_own(
                    actor=self.request.user,
                    fields=form.profile_data(),
                    skills=form.cleaned_data["skills"],
                    photo=form.processed_photo,
                )
            else:
                self.update_member(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your profile was saved."))
        if "national_id" in form.changed_data and form.cleaned_data.get("national_id"):
            messages.info(
                self.request,
                _(
                    "Please make sure your identity number is right. If the portal holds "
                    "another record with the same number, an administrator will check "
                    "whether both are yours before anything is combined."
                ),
            )
        return redirect("me")


@require_POST
@policy_required(member_policy, "own", lookup=own_record, name="member")
def me_request_deletion(request, member):
    form = DeletionRequestForm(request.POST)
    if not form.is_valid():  # said, not ignored: the request was not sent
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            services.member_request_deletion(
                actor=request.user, member=member, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "Your request was sent to the administrators. They will contact you "
                    "and delete your data unless the law requires us to keep a record."
                ),
            )
    return redirect("me")


@never_cache  # the full identity number among the rest
@policy_required()
def me_data(request):
    """Download everything the portal holds about me, as JSON (PIPL)."""
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        messages.info(request, _("There is no member record for your account yet."))
        return redirect("members:me-edit")
    payload = {
        "exported_at": timezone.now().isoformat(),
        **selectors.member_personal_data(member),
    }
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-volunteer-data.json"'
    return response


@method_decorator(never_cache, name="dispatch")
class MemberDetailView(PolicyMixin, DetailView):
    policy = member_policy
    action = "view"
    template_name = "members/member_detail.html"
    context_object_name = "member"

    def get_policy_queryset(self):
        return member_policy.instances_for(self.request.user).prefetch_related(
            "skills", *selectors.member_page_prefetches()
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.user_id == request.user.pk:
            return redirect("me")
        context = self.get_context_data(object=self.object)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        user, member = self.request.user, self.object
        context = super().get_context_data(**kwargs)
        context.update(
            member_parts=selectors.MEMBER_PAGE_PARTS,
            can_change=member_policy.can_change(user, member),
            can_deactivate=member_policy.can_deactivate(user, member),
            sees_full_national_id=member_policy.sees_full_national_id(user, member),
            sees_full_phone=member_policy.sees_full_phone(user, member),
            **self.account_context(user, member),
            audit_trail=(
                selectors.member_audit_trail(
                    member, reveal_national_id=member_policy.sees_full_national_id(user, member)
                )
                if member_policy.can_view_history(user, member)
                else None
            ),
        )
        return context

    def account_context(self, user, member) -> dict:
        """The account card: has an account, or the latest invitation and the buttons."""
        if not member_policy.can_manage_invitations(user, member):
            return {"shows_account": False}
        return {
            "shows_account": True,
            "latest_invitation": (
                member.invitations.select_related("created_by").first()
                if member.user_id is None
                else None
            ),
            "can_invite": member_policy.can_invite(user, member),
            "can_invite_by_email": member_policy.can_invite_by_email(user, member),
        }


class MemberEditView(PolicyMixin, ProfileFormMixin, FormView):
    policy = member_policy
    action = "change"
    object_name = "member"
    form_class = MemberProfileForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(own=False, **kwargs)

    def form_valid(self, form):
        try:
            member = self.update_member(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The member record was saved."))
        return redirect("members:member-detail", pk=member.pk)


@policy_required(member_policy, "view", lookup={"pk": "pk"}, name="member")
def member_photo(request, member, size="photo"):
    """A member's photo (or its thumbnail), for those who may see the member: never an
    address anyone could pass on (volunteer_portal.files)."""
    return files.private_file_response(
        member.photo_thumbnail if size == "thumbnail" else member.photo
    )


@require_POST
@policy_required(member_policy, "deactivate", lookup={"pk": "pk"}, name="member")
def member_set_status(request, member):
    pk = member.pk
    status = request.POST.get("status")
    if status not in Member.Status.values:
        messages.error(request, _("Unknown status."))
        return redirect("members:member-detail", pk=pk)
    services.member_set_status(actor=request.user, member=member, status=status)
    if status == Member.Status.INACTIVE:
        messages.success(request, _("The member was marked inactive."))
    else:
        messages.success(request, _("The member is active again."))
    return redirect("members:member-detail", pk=pk)


class TalentSearchView(PolicyMixin, MemberListMixin, ListView):
    """Who knows tax law in Longhai? Admins search everyone, coordinators their groups."""

    policy = member_policy
    action = "search"
    lookup = None  # an action on no object: can_search(user)
    template_name = "members/talent_search.html"
    paginate_by = ROWS_PER_PAGE
    context_object_name = "members"

    def get_queryset(self):
        base = member_policy.instances_for(self.request.user, "search")
        self.filterset, queryset = selectors.member_search(base, self.request.GET)
        return queryset

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            reveal_phones=member_policy.sees_phones_in_search(self.request.user), **kwargs
        )
