"""Who came: the attendance sheet, the check-in QR code, and checking in by scanning it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from activities import selectors, services
from activities.forms import AttendanceFormSet, attendance_initial
from activities.permissions import activity_policy
from activities.views.common import ActivityManagerMixin, show_errors, visible_activities
from volunteer_portal.permissions import PolicyMixin, policy_required
from volunteer_portal.qrcodes import qr_svg

# The QR page fetches a new code this often; a code counts for one to two minutes
# (``selectors.CHECKIN_CODE_SECONDS``), so a missed fetch or two does no harm.
QR_REFRESH_SECONDS = 20


class AttendanceView(ActivityManagerMixin, View):
    template_name = "activities/attendance.html"

    def get(self, request, pk):
        signups = selectors.attendance_sheet(self.activity)
        formset = AttendanceFormSet(initial=attendance_initial(signups), signups=signups)
        return self.render(formset)

    def post(self, request, pk):
        signups = selectors.attendance_sheet(self.activity)
        formset = AttendanceFormSet(
            request.POST, initial=attendance_initial(signups), signups=signups
        )
        if not formset.is_valid():
            return self.render(formset)
        try:
            services.attendance_save(
                actor=request.user,
                activity=self.activity,
                rows=[
                    services.AttendanceRow(
                        signup_id=form.cleaned_data["signup"].pk,
                        attended=form.cleaned_data["attended"],
                        checked_in_at=form.cleaned_data["checked_in_at"],
                        checked_out_at=form.cleaned_data["checked_out_at"],
                    )
                    for form in formset
                    if form.has_changed()
                ],
            )
        except ValidationError as error:
            show_errors(request, error)
            return self.render(formset)
        messages.success(request, _("Attendance saved."))
        return redirect("activities:attendance", pk=pk)

    def render(self, formset):
        return render(
            self.request, self.template_name, {"activity": self.activity, "formset": formset}
        )


def checkin_code(request, activity) -> dict:
    """This minute's check-in code: the address and its QR code."""
    token = selectors.checkin_token(activity)
    url = request.build_absolute_uri(reverse("activities:checkin", args=[token]))
    return {"svg": qr_svg(url, box_size=12), "url": url}


@method_decorator(never_cache, name="dispatch")
class QRCodeView(ActivityManagerMixin, View):
    """The coordinator's screen at the door. The code changes every minute; the page's
    script (static/js/checkin-qr.js) fetches the new one from ``qr_refresh``."""

    def get(self, request, pk):
        opens, closes = selectors.checkin_window(self.activity)
        return render(
            request,
            "activities/qr.html",
            {
                "activity": self.activity,
                **checkin_code(request, self.activity),
                "refresh_seconds": QR_REFRESH_SECONDS,
                "opens": opens,
                "closes": closes,
            },
        )


@require_GET
@never_cache
@policy_required(
    activity_policy, "manage", queryset=visible_activities, lookup={"pk": "pk"}, name="activity"
)
def qr_refresh(request, activity):
    """The QR page's fresh code, as JSON: ``{"svg": ..., "url": ...}``."""
    return JsonResponse(checkin_code(request, activity))


class CheckinView(PolicyMixin, View):
    """The volunteer scanned the QR code: one tap to check in."""

    policy = None  # any logged-in volunteer; the signed code names the activity

    def get(self, request, token):
        try:
            activity = selectors.activity_for_token(token)
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
