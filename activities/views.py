"""Activity pages: finding and signing up, managing, check-in, hours, feeds, certificates."""

from __future__ import annotations

import datetime
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView

from activities import feeds, selectors, services
from activities.filters import ActivityFilter
from activities.forms import (
    ActivityForm,
    AttendanceFormSet,
    CancelActivityForm,
    CompleteForm,
    CorrectionDecisionForm,
    CorrectionRequestForm,
    HoursForm,
    ParticipantAddForm,
    PhotoUploadForm,
    attendance_initial,
)
from activities.models import (
    Activity,
    Brand,
    CalendarFeed,
    Certificate,
    HoursCorrectionRequest,
    ServiceHours,
    SignUp,
)
from activities.permissions import activity_policy
from groups.models import ServiceGroup
from groups.permissions import group_policy
from members.models import Member
from members.views import MeView
from volunteer_portal.permissions import PolicyMixin

PAGE = 20


def _id(value) -> int | None:
    """A primary key from a form value, or None (then the lookup 404s, never 500s)."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 18 else None


def _login(request):
    return redirect(f"{reverse('login')}?next={request.get_full_path()}")


def _errors(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


# --- Finding activities ---------------------------------------------------------------------


class ActivityListView(ListView):
    template_name = "activities/activity_list.html"
    context_object_name = "activities"
    paginate_by = PAGE

    def get_queryset(self):
        services.offers_expire()
        base = selectors.activities_for_listing(self.request.user).filter(
            status=Activity.Status.PUBLISHED
        )
        self.filterset = ActivityFilter(
            self.request.GET or None, queryset=base, request=self.request
        )
        queryset = self.filterset.qs if self.filterset.is_bound else base
        self.calendar = self.request.GET.get("view") == "calendar"
        if self.calendar:
            self.month = self._month()
            first = datetime.date(self.month.year, self.month.month, 1)
            last = (first + datetime.timedelta(days=32)).replace(day=1)
            return queryset.filter(starts_at__date__gte=first, starts_at__date__lt=last).order_by(
                "starts_at"
            )
        if not self.request.GET.get("date_from"):
            queryset = queryset.filter(ends_at__gte=timezone.now())
        return queryset.order_by("starts_at", "pk")

    def _month(self) -> datetime.date:
        try:
            year, month = (int(p) for p in self.request.GET.get("month", "").split("-"))
            if 1900 <= year <= 2100:
                return datetime.date(year, month, 1)
        except (ValueError, TypeError, OverflowError):
            pass
        return timezone.localdate().replace(day=1)

    def get_paginate_by(self, queryset):
        return None if self.calendar else PAGE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        for key in ("page", "view", "month"):  # the links add these themselves
            query.pop(key, None)
        context.update(filterset=self.filterset, calendar=self.calendar)
        if self.calendar:
            previous = (self.month - datetime.timedelta(days=1)).replace(day=1)
            following = (self.month + datetime.timedelta(days=32)).replace(day=1)
            context.update(
                weekday_names=[
                    _("Mon"),
                    _("Tue"),
                    _("Wed"),
                    _("Thu"),
                    _("Fri"),
                    _("Sat"),
                    _("Sun"),
                ],  # fmt: skip
                month=self.month,
                today=timezone.localdate(),
                weeks=selectors.month_grid(self.month.year, self.month.month, self.object_list),
                previous_month=f"{previous:%Y-%m}",
                next_month=f"{following:%Y-%m}",
            )
        context["query_string"] = query.urlencode()
        for activity in context["activities"]:
            activity.left = activity.places_left(activity.taken)
        return context


class ActivityDetailView(PolicyMixin, DetailView):
    policy = activity_policy
    action = "view"
    login_required = False
    template_name = "activities/activity_detail.html"
    context_object_name = "activity"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .with_taken()
            .select_related("group", "brand")
            .prefetch_related("themes", "skills_wanted", "photos")
        )

    def get_object(self, queryset=None):
        activity = super().get_object(queryset)
        if services.offers_expire(activity=activity):
            activity = self.get_queryset().get(pk=activity.pk)
        return activity

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activity, user = self.object, self.request.user
        mine = None
        if user.is_authenticated:
            mine = SignUp.objects.live().filter(activity=activity, member__user=user).first()
        context.update(
            left=activity.places_left(activity.taken),
            my_signup=mine,
            my_position=services.waiting_position(mine) if mine else None,
            can_manage=activity_policy.can_manage(user, activity),
            now=timezone.now(),
        )
        return context


class BrandDetailView(DetailView):
    template_name = "activities/brand_detail.html"
    context_object_name = "brand"

    def get_queryset(self):
        return Brand.objects.filter(
            group__in=group_policy.visible(self.request.user)
        ).select_related("group")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activities = (
            selectors.activities_for_listing(self.request.user)
            .filter(brand=self.object)
            .exclude(status=Activity.Status.DRAFT)
            .order_by("-starts_at")[:100]
        )
        for activity in activities:
            activity.left = activity.places_left(activity.taken)
        context["activities"] = activities
        return context


def _visible_activity(request, pk) -> Activity:
    return get_object_or_404(activity_policy.visible(request.user), pk=pk)


@require_POST
def signup(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    activity = _visible_activity(request, pk)
    try:
        result = services.signup_create(actor=request.user, activity=activity)
    except ValidationError as error:
        _errors(request, error)
        if any(e.code == "no_profile" for e in error.error_list):
            return redirect("members:me-edit")
    else:
        if result.status == SignUp.Status.CONFIRMED:
            messages.success(request, _("You are signed up. See you there!"))
        else:
            messages.info(
                request,
                _("The activity is full. You are number %(n)s on the waiting list.")
                % {"n": services.waiting_position(result)},
            )
    return redirect("activities:activity-detail", pk=pk)


def _my_live_signup(request, pk) -> SignUp:
    activity = _visible_activity(request, pk)
    return get_object_or_404(
        SignUp.objects.live().select_related("member", "activity"),
        activity=activity,
        member__user=request.user,
    )


@require_POST
def cancel_signup(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    try:
        services.signup_cancel(actor=request.user, signup=_my_live_signup(request, pk))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("activities:activity-detail", pk=pk)


@require_POST
def accept_offer(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    try:
        services.offer_accept(actor=request.user, signup=_my_live_signup(request, pk))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The place is yours. See you there!"))
    return redirect("activities:activity-detail", pk=pk)


# --- Managing activities (the group's coordinators and admins) ------------------------------


class ManagerMixin(AccessMixin):
    """``self.activity``: an activity the user may manage (404 if invisible, 403 if not)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.activity = get_object_or_404(
            activity_policy.visible(request.user).select_related("group"), pk=kwargs["pk"]
        )
        if not activity_policy.can_manage(request.user, self.activity):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(activity=self.activity, **kwargs)


def _managed(request, pk) -> Activity:
    activity = get_object_or_404(
        activity_policy.visible(request.user).select_related("group"), pk=pk
    )
    if not activity_policy.can_manage(request.user, activity):
        raise PermissionDenied
    return activity


class ActivityFormMixin:
    form_class = ActivityForm
    template_name = "activities/activity_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(group=self.group, instance=self.instance)
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, object=self.instance, **kwargs)

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


class ActivityCreateView(ActivityFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login(request)
        self.group = get_object_or_404(group_policy.visible(request.user), slug=kwargs["slug"])
        if not group_policy.can_change(request.user, self.group):
            raise PermissionDenied
        self.instance = Activity(group=self.group)
        return super().dispatch(request, *args, **kwargs)


class ActivityUpdateView(ActivityFormMixin, FormView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _login(request)
        activity = _managed(request, kwargs["pk"])
        self.group, self.instance = activity.group, activity
        return super().dispatch(request, *args, **kwargs)


@require_POST
def activity_publish(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    activity = _managed(request, pk)
    try:
        services.activity_publish(actor=request.user, activity=activity)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The activity is published; volunteers can sign up."))
    return redirect("activities:activity-detail", pk=pk)


@require_POST
def activity_cancel(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    activity = _managed(request, pk)
    form = CancelActivityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("reason", [])))
        return redirect("activities:activity-detail", pk=pk)
    reason = form.cleaned_data["reason"]
    try:
        services.activity_cancel(actor=request.user, activity=activity, reason=reason)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The activity is cancelled; everyone signed up is told."))
    return redirect("activities:activity-detail", pk=pk)


@require_POST
def activity_copy(request, pk):
    if not request.user.is_authenticated:
        return _login(request)
    copy = services.activity_copy(actor=request.user, activity=_managed(request, pk))
    messages.success(request, _("A copy was made as a draft. Set its dates, then publish it."))
    return redirect("activities:activity-edit", pk=copy.pk)


class ActivityCompleteView(ManagerMixin, FormView):
    form_class = CompleteForm
    template_name = "activities/activity_complete.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.activity}

    def form_valid(self, form):
        try:
            services.activity_complete(
                actor=self.request.user,
                activity=self.activity,
                beneficiaries=form.cleaned_data["beneficiaries"],
                report=form.cleaned_data["report"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The activity is completed. Now approve the hours."))
        return redirect("activities:hours", pk=self.activity.pk)


class PhotoUploadView(ManagerMixin, FormView):
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


class ParticipantsView(ManagerMixin, FormView):
    form_class = ParticipantAddForm
    template_name = "activities/participants.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": self.request.user}

    def get_context_data(self, **kwargs):
        signups = list(
            SignUp.objects.filter(activity=self.activity)
            .select_related("member")
            .order_by("status", "created_at", "pk")
        )
        groups = {status: [] for status, _label in SignUp.Status.choices}
        for item in signups:
            groups[item.status].append(item)
        return super().get_context_data(
            confirmed=groups["confirmed"],
            offered=groups["offered"],
            waiting=groups["waiting"],
            ended=groups["cancelled"] + groups["removed"] + groups["expired"],
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
        return redirect("activities:participants", pk=self.activity.pk)


@require_POST
def participant_change(request, pk, signup_pk, change):
    if not request.user.is_authenticated:
        return _login(request)
    activity = _managed(request, pk)
    target = get_object_or_404(
        SignUp.objects.select_related("activity"), pk=signup_pk, activity=activity
    )
    try:
        if change == "remove":
            services.participant_remove(actor=request.user, signup=target)
        else:
            services.waitlist_promote(actor=request.user, signup=target)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect("activities:participants", pk=pk)


class AttendanceView(ManagerMixin, View):
    template_name = "activities/attendance.html"

    def signups(self):
        return list(
            SignUp.objects.filter(activity=self.activity, status=SignUp.Status.CONFIRMED)
            .select_related("member")
            .order_by("member__full_name", "pk")
        )

    def get(self, request, pk):
        signups = self.signups()
        formset = AttendanceFormSet(initial=attendance_initial(signups), signups=signups)
        return self.render(formset)

    def post(self, request, pk):
        signups = self.signups()
        formset = AttendanceFormSet(
            request.POST, initial=attendance_initial(signups), signups=signups
        )
        if not formset.is_valid():
            return self.render(formset, status=200)
        try:
            services.attendance_save(
                actor=request.user,
                rows=[
                    (
                        form.cleaned_data["signup"],
                        form.cleaned_data["attended"],
                        form.cleaned_data["checked_in_at"],
                        form.cleaned_data["checked_out_at"],
                    )
                    for form in formset
                    if form.has_changed()
                ],
            )
        except ValidationError as error:
            _errors(request, error)
            return self.render(formset)
        messages.success(request, _("Attendance saved."))
        return redirect("activities:attendance", pk=pk)

    def render(self, formset, status=200):
        return render(
            self.request,
            self.template_name,
            {"activity": self.activity, "formset": formset},
            status=status,
        )


class QRCodeView(ManagerMixin, View):
    def get(self, request, pk):
        token = services.checkin_token(self.activity)
        url = request.build_absolute_uri(reverse("activities:checkin", args=[token]))
        image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
        buffer = io.BytesIO()
        image.save(buffer)
        opens, closes = services.checkin_window(self.activity)
        return render(
            request,
            "activities/qr.html",
            {
                "activity": self.activity,
                "svg": buffer.getvalue().decode(),
                "url": url,
                "opens": opens,
                "closes": closes,
            },
        )


class CheckinView(LoginRequiredMixin, View):
    """The volunteer scanned the QR code: one tap to check in."""

    def get(self, request, token):
        try:
            activity = services.activity_for_token(token)
        except ValidationError as error:
            return render(request, "activities/checkin.html", {"error": error}, status=400)
        return render(request, "activities/checkin.html", {"activity": activity, "token": token})

    def post(self, request, token):
        try:
            result = services.checkin_with_token(actor=request.user, token=token)
        except ValidationError as error:
            return render(request, "activities/checkin.html", {"error": error}, status=400)
        messages.success(
            request,
            _("Checked in at %(time)s. Thank you for coming!")
            % {"time": timezone.localtime(result.checked_in_at).strftime("%H:%M")},
        )
        return redirect("activities:activity-detail", pk=result.activity_id)


class HoursView(ManagerMixin, View):
    """Hours for every participant: propose from attendance, adjust, approve, correct."""

    def get(self, request, pk, form=None):
        signups = list(
            SignUp.objects.filter(activity=self.activity)
            .filter(
                status__in=[SignUp.Status.CONFIRMED],
            )
            .select_related("member")
            .prefetch_related(
                Prefetch("hours", queryset=ServiceHours.objects.filter(is_current=True)),
                Prefetch(
                    "corrections",
                    queryset=HoursCorrectionRequest.objects.filter(
                        status=HoursCorrectionRequest.Status.OPEN
                    ),
                ),
            )
            .order_by("member__full_name", "pk")
        )
        for item in signups:
            item.activity = self.activity  # already loaded: no query per row
            item.current = next(iter(item.hours.all()), None)
            item.open_correction = next(iter(item.corrections.all()), None)
            item.suggested = services.default_hours(item)
        return render(
            request,
            "activities/hours.html",
            {
                "activity": self.activity,
                "signups": signups,
                "form": form or HoursForm(),
                "decision_form": CorrectionDecisionForm(),
            },
        )

    def post(self, request, pk):
        action = request.POST.get("action")
        try:
            if action == "propose-all":
                services.hours_propose_attended(actor=request.user, activity=self.activity)
                messages.success(request, _("Hours were filled in from attendance."))
            elif action == "approve":
                ids = request.POST.getlist("entry")
                n = services.hours_approve(
                    actor=request.user,
                    entries=ServiceHours.objects.filter(
                        pk__in=[_id(i) for i in ids if _id(i)], signup__activity=self.activity
                    ),
                )
                messages.success(request, _("%(n)s entries approved.") % {"n": n})
            elif action in ("set", "correct"):
                target = get_object_or_404(
                    SignUp, pk=_id(request.POST.get("signup")), activity=self.activity
                )
                form = HoursForm(request.POST)
                if not form.is_valid():
                    messages.error(
                        request,
                        " ".join(e for errors in form.errors.values() for e in errors),
                    )
                    return redirect("activities:hours", pk=pk)
                change = services.hours_propose if action == "set" else services.hours_correct
                change(
                    actor=request.user,
                    signup=target,
                    hours=form.cleaned_data["hours"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Hours saved."))
            elif action == "decide":
                correction = get_object_or_404(
                    HoursCorrectionRequest,
                    pk=_id(request.POST.get("correction")),
                    signup__activity=self.activity,
                )
                form = CorrectionDecisionForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("Choose to accept or reject."))
                else:
                    services.correction_decide(
                        actor=request.user,
                        request=correction,
                        accept=form.cleaned_data["decision"] == "accept",
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The request was decided."))
        except ValidationError as error:
            _errors(request, error)
        return redirect("activities:hours", pk=pk)


class GroupDashboardView(LoginRequiredMixin, View):
    def get(self, request, slug):
        group = get_object_or_404(group_policy.visible(request.user), slug=slug)
        if not group_policy.can_change(request.user, group):
            raise PermissionDenied
        return render(
            request,
            "activities/dashboard.html",
            {"group": group, **selectors.group_dashboard(group)},
        )


# --- The volunteer's own page, certificates and calendars -----------------------------------


class MyPageView(MeView):
    """/members/me/: the profile page of the members app, plus service hours and stars."""

    template_name = "activities/my_page.html"

    def extra_context_for(self, member) -> dict:
        feed = CalendarFeed.objects.filter(member=member).first()
        return {
            **selectors.member_service_record(member),
            "feed_url": (
                self.request.build_absolute_uri(
                    reverse("activities:feed-personal", args=[feed.token])
                )
                if feed
                else None
            ),
            "certificates": list(member.certificates.all()[:5]),
        }


@require_POST
def correction_request(request, signup_pk):
    if not request.user.is_authenticated:
        return _login(request)
    target = get_object_or_404(
        SignUp.objects.select_related("member", "activity"), pk=signup_pk, member__user=request.user
    )
    form = CorrectionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.correction_request(
                actor=request.user,
                signup=target,
                requested_hours=form.cleaned_data["requested_hours"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Your request was sent to the organisers."))
    else:
        messages.error(request, _("Give the hours and a reason."))
    return redirect("me")


@require_POST
def certificate_issue(request):
    if not request.user.is_authenticated:
        return _login(request)
    member = get_object_or_404(Member, user=request.user)
    certificate = services.certificate_issue(actor=request.user, member=member)
    return redirect("activities:certificate-print", code=certificate.code)


def certificate_print(request, code):
    """The printable certificate, for its holder."""
    if not request.user.is_authenticated:
        return _login(request)
    certificate = get_object_or_404(Certificate, code=code, member__user=request.user)
    verify_url = request.build_absolute_uri(reverse("activities:certificate-verify", args=[code]))
    return render(
        request,
        "activities/certificate.html",
        {"certificate": certificate, "verify_url": verify_url, "printable": True},
    )


def certificate_verify(request, code):
    """Anyone checks a code; the page shows the certificate's facts and nothing more."""
    certificate = Certificate.objects.filter(code=code.upper().strip()).first()
    return render(
        request,
        "activities/certificate_verify.html",
        {"certificate": certificate, "code": code},
        status=200 if certificate else 404,
    )


@require_POST
def feed_regenerate(request):
    if not request.user.is_authenticated:
        return _login(request)
    member = get_object_or_404(Member, user=request.user)
    services.calendar_feed_regenerate(actor=request.user, member=member)
    messages.success(request, _("Your calendar address is new; the old one no longer works."))
    return redirect("me")


def feed_group(request, slug):
    group = get_object_or_404(ServiceGroup.objects.filter(is_active=True), slug=slug)
    return feeds.ics_response(feeds.group_calendar(group), f"{slug}.ics")


def feed_personal(request, token):
    feed = get_object_or_404(CalendarFeed.objects.select_related("member"), token=token)
    return feeds.ics_response(feeds.personal_calendar(feed.member), "my-activities.ics")
