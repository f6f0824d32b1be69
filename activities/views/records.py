"""The volunteer's own records: their page, certificates, calendar feeds."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from activities import feeds, selectors, services
from activities.models import CalendarFeed, Certificate
from activities.permissions import certificate_policy
from groups.models import ServiceGroup
from members.permissions import member_policy
from members.views import MeView
from volunteer_portal.permissions import own_record, policy_required


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


OWN = {"policy": member_policy, "action": "own", "lookup": own_record, "name": "member"}


@require_POST
@policy_required(**OWN)
def certificate_issue(request, member):
    certificate = services.certificate_issue(actor=request.user, member=member)
    return redirect("activities:certificate-print", code=certificate.code)


def _own_certificates(request):
    return certificate_policy.instances_for(request.user).select_related("member")


@policy_required(
    certificate_policy,
    "view",
    lookup={"code": "code"},
    queryset=_own_certificates,
    name="certificate",
)
def certificate_print(request, certificate):
    """The printable certificate, for its holder (anyone else: 404)."""
    code = certificate.code
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
@policy_required(**OWN)
def feed_regenerate(request, member):
    services.calendar_feed_regenerate(actor=request.user, member=member)
    messages.success(request, _("Your calendar address is new; the old one no longer works."))
    return redirect("me")


def feed_group(request, slug):
    group = get_object_or_404(ServiceGroup.objects.filter(is_active=True), slug=slug)
    return feeds.ics_response(feeds.group_calendar(group), f"{slug}.ics")


def feed_personal(request, token):
    """The secret address is the key: no login (calendar apps cannot log in)."""
    feed = get_object_or_404(CalendarFeed.objects.select_related("member"), token=token)
    return feeds.ics_response(feeds.personal_calendar(feed.member), "my-activities.ics")
