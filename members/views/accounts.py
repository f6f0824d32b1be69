"""Accounts: signing up, logging in and out, the language kept on an account, and
invitations that give a member someone else added an account of their own."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from members import services
from members.forms import (
    InvitationAcceptForm,
    PortalAuthenticationForm,
    PortalPasswordResetForm,
    SignupForm,
)
from members.lockout import unlock
from members.models import Invitation
from members.permissions import invitation_policy, member_policy
from volunteer_portal import throttle
from volunteer_portal.mail import after_response
from volunteer_portal.permissions import PolicyMixin, policy_required
from volunteer_portal.qrcodes import qr_svg


class SignupView(throttle.RateLimitedFormMixin, PolicyMixin, FormView):
    """Sign-up, limited per address: it answers whether a phone is registered."""

    rate_limits = (("signup", "ip"),)
    policy = None
    login_required = False
    visitors_only_redirect = "me"  # logged in already: off to "my page"
    template_name = "members/signup.html"
    form_class = SignupForm

    def form_valid(self, form):
        try:
            member = services.member_register(
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                language=self.request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        login(self.request, member.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _("Welcome! Complete your profile, then apply to the service groups you like."),
        )
        return redirect("members:me-edit")


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST; a GET (an old link) shows a button instead of an error."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, "registration/logout_confirm.html")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


# --- Invitations -------------------------------------------------------------------------------


@require_POST
@policy_required(member_policy, "manage_invitations", lookup={"pk": "pk"}, name="member")
def member_invite(request, member):
    channel = request.POST.get("channel", "")
    try:
        invitation = services.invitation_create(actor=request.user, member=member, channel=channel)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("members:member-detail", pk=member.pk)
    if invitation.channel == Invitation.Channel.IN_PERSON:
        return redirect("members:invitation-detail", pk=invitation.pk)
    messages.success(
        request,
        _("The invitation was emailed to %(email)s. The link works once, until %(date)s.")
        % {
            "email": member.email,
            "date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d"),
        },
    )
    return redirect("members:member-detail", pk=member.pk)


@method_decorator(never_cache, name="dispatch")  # it shows a credential: no caches keep it
class InvitationDetailView(PolicyMixin, View):
    """The link and QR code of an invitation handed over in person: for the inviter only.
    Opening it changes nothing; a used, withdrawn or expired invitation shows no link."""

    policy = invitation_policy
    action = "show_link"

    def get_policy_queryset(self):
        return invitation_policy.instances_for(self.request.user).select_related("member")

    def get(self, request, pk):
        invitation = self.object
        context = {
            "invitation": invitation,
            "member": invitation.member,
            "state_label": Invitation.State(invitation.state()).label,
        }
        if invitation.is_open:
            # The address the coordinator's browser uses (as the check-in QR code does).
            link = request.build_absolute_uri(reverse("invitation-accept", args=[invitation.token]))
            context.update(link=link, svg=qr_svg(link))
        return render(request, "members/invitation_detail.html", context)


@require_POST
@policy_required(invitation_policy, "view", lookup={"pk": "pk"}, name="invitation")
def invitation_revoke(request, invitation):
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation was withdrawn; its link no longer works."))
    return redirect("members:member-detail", pk=invitation.member_id)


@method_decorator(never_cache, name="dispatch")
class InvitationAcceptView(PolicyMixin, FormView):
    """``/accounts/invitation/<token>/``: the invited person chooses a password.

    Anyone may open it: the signed token is the key. A link that cannot be used (tampered
    with, used, withdrawn, replaced, expired) explains why and what to do instead.
    """

    policy = None
    login_required = False
    form_class = InvitationAcceptForm
    template_name = "members/invitation_accept.html"

    @cached_property
    def invitation(self) -> Invitation | None:
        return Invitation.objects.select_related("member", "member__user").for_token(
            self.kwargs["token"]
        )

    def dispatch(self, request, *args, **kwargs):
        problem = services.invitation_problem(self.invitation)
        if problem is not None:
            return self.refuse(problem)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, problem: str):
        return render(
            self.request,
            "members/invitation_invalid.html",
            {"problem": problem, "explanation": services.INVITATION_PROBLEMS[problem]()},
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.invitation.member}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            invitation=self.invitation, member=self.invitation.member, **kwargs
        )

    def form_valid(self, form):
        try:
            user = services.invitation_accept(
                actor=self.request.user,
                invitation=self.invitation,
                password=form.cleaned_data["password1"],
                language=self.request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            problem = getattr(error, "code", None)
            if problem in services.INVITATION_PROBLEMS:
                return self.refuse(problem)
            form.add_error(None, error)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _("Welcome! Your account is ready; you log in with your mobile phone %(phone)s.")
            % {"phone": user.username},
        )
        return redirect("me")


def set_language(request):
    """Django's language switcher, which also keeps a logged-in user's choice on their
    account (``User.language``)."""
    response = i18n_views.set_language(request)
    if request.method == "POST":
        services.user_set_language(actor=request.user, language=request.POST.get("language", ""))
    return response


class LoginView(auth_views.LoginView):
    """Django's login; a person who chose a language before logging in, and has none on
    their account yet, keeps that choice on the account (and so in their emails).

    Failures lock the account for a while (django-axes, members.lockout); failures from
    one address, whatever the account, are limited too (many accounts tried from one
    place), more loosely, as a whole venue may share one address."""

    authentication_form = PortalAuthenticationForm

    def post(self, request, *args, **kwargs):
        wait = throttle.seconds_to_wait(request, "login-address", "ip", count=False)
        if wait:
            return address_limited_page(request, wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if not user.language:
            chosen = services.account_language(
                self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            )
            services.user_set_language(actor=user, language=chosen)
        return response


def _typed_email(group, request) -> str:
    return request.POST.get("email", "").strip().lower()[:254]


class PasswordResetView(throttle.RateLimitedFormMixin, auth_views.PasswordResetView):
    """Django's password reset, limited per address and per email, and the same work
    whether or not the email belongs to an account: the form is only checked here; looking
    up the accounts and writing the emails happen after the response, so its timing tells
    nobody whether an address is registered."""

    form_class = PortalPasswordResetForm
    rate_limits = (("password-reset", "ip"), ("password-reset-email", _typed_email))

    def form_valid(self, form):
        options = {
            "use_https": self.request.is_secure(),
            "token_generator": self.token_generator,
            "from_email": self.from_email,
            "email_template_name": self.email_template_name,
            "subject_template_name": self.subject_template_name,
            "request": self.request,
            "html_email_template_name": self.html_email_template_name,
            "extra_email_context": self.extra_email_context,
        }
        language = translation.get_language()

        def send():
            with translation.override(language):
                form.save(**options)

        after_response(send)
        return redirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password page; a reset by email also lifts a login lockout, so an
    attacker who keeps failing cannot keep the owner out."""

    def form_valid(self, form):
        response = super().form_valid(form)
        unlock(form.user)
        return response


# --- Failed logins per address, on every login form (the portal's and Django admin's) ------


@receiver(user_login_failed, dispatch_uid="members.count_failed_login_per_address")
def _count_failed_login(sender, credentials, request=None, **kwargs):
    if request is not None:
        throttle.seconds_to_wait(request, "login-address", "ip")


def address_limited_page(request, wait: int):
    """The login page, empty, saying when to try again (status 429)."""
    context = {
        "form": PortalAuthenticationForm(request),
        "lockout_message": throttle.wait_message(wait),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def address_limited(login_view):
    """Wraps another login view (Django admin's) in the per-address limit."""

    @functools.wraps(login_view)
    def view(request, *args, **kwargs):
        if request.method == "POST":
            wait = throttle.seconds_to_wait(request, "login-address", "ip", count=False)
            if wait:
                return address_limited_page(request, wait)
        return login_view(request, *args, **kwargs)

    return view


class PasswordChangeView(throttle.RateLimitedFormMixin, auth_views.PasswordChangeView):
    """Django's password change, limited per account: it checks the old password, so a
    stolen session could otherwise guess it without limit."""

    rate_limits = (("password-change", "user"),)
