"""Who came: the attendance sheet, the check-in QR code, and checking in by scanning it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from activities import selectors, services
from activities.forms import AttendanceFormSet, attendance_initial
from activities.views.common import ActivityManagerMixin, show_errors
from volunteer_portal.permissions import PolicyMixin
from volunteer_portal.qrcodes import qr_svg


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


class QRCodeView(ActivityManagerMixin, View):
    def get(self, request, pk):
        token = selectors.checkin_token(self.activity)
        url = request.build_absolute_uri(reverse("activities:checkin", args=[token]))
        opens, closes = selectors.checkin_window(self.activity)
        return render(
            request,
            "activities/qr.html",
            {
                "activity": self.activity,
                "svg": qr_svg(url, box_size=12),
                "url": url,
                "opens": opens,
                "closes": closes,
            },
        )


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
