"""The volunteer's own records: their page, certificates, calendar feeds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import feeds, service_record, services
from activities.models import CalendarFeed, Certificate
from activities.permissions import certificate_policy
from activities.views.common import show_errors
from groups.models import ServiceGroup
from members.models import Member
from members.permissions import member_policy
from members.views import MeView
from volunteer_portal.permissions import own_record, policy_required
from volunteer_portal.qrcodes import qr_svg


class MyPageView(MeView):
    """/members/me/: the profile page of the members app, plus service hours and stars."""

    template_name = "activities/my_page.html"

    def member_queryset(self, queryset):
        feed = CalendarFeed.objects.filter(member=OuterRef("pk")).order_by("pk")
        return queryset.annotate(
            approved_hours=service_record.approved_hours(),
            feed_token=Subquery(feed.values("token")[:1]),
        )

    def extra_context_for(self, member) -> dict:
        token = member.feed_token
        feed_url = (
            self.request.build_absolute_uri(reverse("activities:feed-personal", args=[token]))
            if token
            else None
        )
        return {
            **service_record.member_service_record(member),
            "feed_url": feed_url,
            # The same address for calendar apps: a tap subscribes (webcal://).
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1] if feed_url else None,
            # The second step of making a new address: the page asks before it is replaced.
            "confirm_new_feed": bool(token) and self.request.GET.get("calendar") == "new",
            "certificates": list(member.certificates.all()[:5]),
        }


MY_ACTIVITIES_PER_PAGE = 20


@policy_required()  # a page about the user's own record: a login is all it needs
def my_activities(request):
    """All the volunteer's upcoming sign-ups, or (``?show=past``) their whole service
    record, a page at a time: their own page shows the first few of each."""
    member = Member.objects.filter(user=request.user).first()
    if member is None:
        return redirect("members:me-edit")
    past = request.GET.get("show") == "past"
    if past:
        signups = service_record.member_past_signups(member)
    else:
        signups = service_record.member_upcoming_signups(member)
    page = Paginator(signups, MY_ACTIVITIES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = service_record.member_signup_rows(page.object_list, member, record=past)
    return render(
        request,
        "activities/my_activities.html",
        {
            "past": past,
            "page_obj": page,
            "query_string": "show=past" if past else "",
        },
    )


OWN = {"policy": member_policy, "action": "own", "lookup": own_record, "name": "member"}


@require_POST
@policy_required(**OWN)
def certificate_issue(request, member):
    """The current certificate, or a new one if the record changed since (a POST: the
    page that shows certificates never issues one)."""
    try:
        certificate = services.certificate_issue(actor=request.user, member=member)
    except ValidationError as error:
        show_errors(request, error)
        return redirect("me")
    return redirect("activities:certificate-print", code=certificate.code)


def _own_certificates(request):
    return certificate_policy.instances_for(request.user).select_related("member", "superseded_by")


@policy_required(
    certificate_policy,
    "view",
    # A code as typed or as stored; anything else (a NUL byte...) never reaches the database.
    lookup=lambda request, kwargs: {"code": Certificate.normalise_code(kwargs["code"]) or "-"},
    queryset=_own_certificates,
    name="certificate",
)
def certificate_print(request, certificate, code):  # code: as typed, already looked up
    """The printable certificate, for its holder (anyone else: 404)."""
    code = certificate.code
    verify_url = request.build_absolute_uri(reverse("activities:certificate-verify", args=[code]))
    return render(
        request,
        "activities/certificate.html",
        {
            "certificate": certificate,
            "verify_url": verify_url,
            "lookup_url": request.build_absolute_uri(reverse("activities:certificate-lookup")),
            "qr_svg": qr_svg(verify_url, box_size=8),
            "printable": True,
        },
    )


@policy_required(login_required=False)
def certificate_verify(request, code):
    """Anyone checks a code; the page shows the certificate's facts and nothing more (for a
    superseded one, when it was superseded, but not the newer one: whoever holds an old
    code does not follow the volunteer's record from then on)."""
    normalised = Certificate.normalise_code(code)
    certificate = Certificate.objects.filter(code=normalised).first() if normalised else None
    return render(
        request,
        "activities/certificate_verify.html",
        {"certificate": certificate, "code": code[:40]},
        status=200 if certificate else 404,
    )


@policy_required(login_required=False)
def certificate_lookup(request):
    """/certificates/: anyone types a code (the address printed on every certificate).
    A good code goes to its verification page; anything else is said on this page."""
    typed = request.GET.get("code")
    if typed is not None:
        code = Certificate.normalise_code(typed)
        if code and Certificate.objects.filter(code=code).exists():
            return redirect("activities:certificate-verify", code=code)
    return render(
        request,
        "activities/certificate_lookup.html",
        {"typed": typed.strip()[:40] if typed is not None else None},
    )


@require_POST
@policy_required(**OWN)
def feed_regenerate(request, member):
    """Make the personal calendar address; replacing one needs ``confirm`` (the second
    step on the volunteer's page), since subscribed calendars stop updating."""
    had_address = CalendarFeed.objects.filter(member=member).exists()
    try:
        services.calendar_feed_regenerate(
            actor=request.user, member=member, confirmed=request.POST.get("confirm") == "yes"
        )
    except ValidationError as error:
        show_errors(request, error)
        return redirect(f"{reverse('me')}?calendar=new#my-calendar")
    if had_address:
        messages.success(request, _("Your calendar address is new; the old one no longer works."))
    else:
        messages.success(
            request,
            _("Your calendar address is ready: add it to your phone's calendar app."),
        )
    return redirect(f"{reverse('me')}#my-calendar")


def feed_group(request, slug):
    group = get_object_or_404(ServiceGroup.objects.filter(is_active=True), slug=slug)
    return feeds.ics_response(request, group.name_zh, feeds.group_activities(group), f"{slug}.ics")


def feed_personal(request, token):
    """The secret address is the key: no login (calendar apps cannot log in)."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("member"), token=token)
    member = feed.member
    return feeds.ics_response(
        request, member.full_name, feeds.personal_activities(member), "my-activities.ics"
    )
