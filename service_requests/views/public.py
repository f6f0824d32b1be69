"""The public's pages (no login): ordering a service, the receipt, and following the
request by its tracking code, where the requester may also withdraw it or rate the service.

The tracking code is the key: whoever holds it sees that one request and nothing about
anyone else (no staff names, no phones; volunteers as 王** only). A wrong code is a 404
from the same one-row query as a right one, so the answer takes the same time.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, FormView

from activities.models import SignUp
from members.validators import normalise_phone
from service_requests import services
from service_requests.forms_public import LookupForm, RatingForm, RequestForm
from service_requests.models import RequestEvent, ServiceRequest
from service_requests.transitions import allowed_from
from volunteer_portal import throttle
from volunteer_portal.audit import event_label
from volunteer_portal.permissions import PolicyMixin, policy_required
from volunteer_portal.qrcodes import qr_svg

S = ServiceRequest.Status
MODEL_LABEL = "service_requests.ServiceRequest"


# --- Ordering ------------------------------------------------------------------------------


def _typed_phone(group, request) -> str:
    """The rate limit's key per phone: the number as stored, however it was typed."""
    return normalise_phone(request.POST.get("phone", ""))[:20]


def phone_wait_message(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    return ngettext(
        "This mobile phone has sent as many requests as it may for now. You can send "
        "another in about %(hours)d hour; to add to an earlier one, use its tracking page.",
        "This mobile phone has sent as many requests as it may for now. You can send "
        "another in about %(hours)d hours; to add to an earlier one, use its tracking page.",
        hours,
    ) % {"hours": hours}


class RequestCreateView(throttle.RateLimitedFormMixin, PolicyMixin, CreateView):
    """/requests/new/: anyone orders a service. Every attempt counts against the limit per
    address; only a request actually sent counts against the limit per phone (a person
    correcting a typo three times is not shut out for a day)."""

    policy = None
    login_required = False
    model = ServiceRequest
    form_class = RequestForm
    template_name = "service_requests/request_form.html"
    rate_limits = (("request-address", "ip"),)

    def form_valid(self, form):
        wait = throttle.seconds_to_wait(self.request, "request-phone", _typed_phone)
        if wait:
            form.add_error("phone", phone_wait_message(wait))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        service_request = form.save(commit=False)
        service_request.language = translation.get_language() or ""
        try:
            services.request_submit(request=service_request, actor=None)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        return redirect("requests:receipt", code=service_request.code)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("erase_after_days", settings.REQUEST_ERASE_AFTER_DAYS)
        return super().get_context_data(**kwargs)


# --- Finding a request again by its code --------------------------------------------------


class LookupView(throttle.RateLimitedFormMixin, PolicyMixin, FormView):
    """/requests/track/: the code typed in (read out from a receipt, copied from an
    email) leads to the tracking page. Every attempt counts against a limit per address,
    so the form is no faster a way to guess codes than the addresses themselves."""

    policy = None
    login_required = False
    form_class = LookupForm
    template_name = "service_requests/lookup.html"
    rate_limits = (("request-lookup", "ip"),)

    def form_valid(self, form):
        code = form.cleaned_data["code"]
        if not ServiceRequest.objects.filter(code=code).exists():
            form.add_error(
                "code",
                _("No request has this code. Check it against your receipt or email."),
            )
            return self.form_invalid(form)
        return redirect("requests:track", code=code)


# --- The receipt and the tracking page -----------------------------------------------------


def _by_code(code: str) -> ServiceRequest:
    """The request with this tracking code, or 404: one query on a unique index either way."""
    return get_object_or_404(
        ServiceRequest.objects.select_related("group", "wanted_group"), code=code
    )


def _tracking_url(request, service_request) -> str:
    return request.build_absolute_uri(reverse("requests:track", args=[service_request.code]))


def code_groups(code: str) -> list[str]:
    """ABCD EFGH JKMN: read aloud or copied in groups of four."""
    return [code[i : i + 4] for i in range(0, len(code), 4)]


@never_cache
@policy_required(login_required=False)
def receipt(request, code):
    service_request = _by_code(code)
    url = _tracking_url(request, service_request)
    return render(
        request,
        "service_requests/receipt.html",
        {
            "service_request": service_request,
            "code_groups": code_groups(service_request.code),
            "tracking_url": url,
            "qr_svg": qr_svg(url, box_size=8),
        },
    )


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def public_name(full_name: str) -> str:
    """How the tracking page names a volunteer: 王** for a Chinese name (the surname, the
    rest starred, as notices in China do), the first word of a name in Latin script."""
    name = full_name.strip()
    if not name:
        return ""
    if _CJK.match(name):
        return name[0] + "*" * max(len(name) - 1, 1)
    return name.split()[0]


def timeline(service_request) -> list[dict]:
    """The request's moves, oldest first, from its history: each named event with its
    date. Saves without an event (a correction in Django admin) and the second record of
    one move (its skills saved after it) are left out; who made a move is never shown."""
    known = set(RequestEvent.values)
    entries: list[dict] = []
    records = service_request.history.order_by("history_date", "history_id").only(
        "history_date", "history_change_reason"
    )
    for record in records:
        event = record.history_change_reason
        if event not in known or (entries and entries[-1]["event"] == event):
            continue
        entries.append(
            {"event": event, "label": event_label(MODEL_LABEL, event), "at": record.history_date}
        )
    return entries


def serving_volunteers(service_request) -> list[str]:
    if service_request.activity_id is None:
        return []
    names = (
        SignUp.objects.filter(
            activity_id=service_request.activity_id, status=SignUp.Status.CONFIRMED
        )
        .order_by("created_at", "pk")
        .values_list("member__full_name", flat=True)
    )
    return [public_name(name) for name in names]


NEXT_STEP = {
    S.SUBMITTED: gettext_lazy(
        "We are finding the service group that suits your request. This usually takes a "
        "few working days."
    ),
    S.DISPATCHED: gettext_lazy("The service group is looking at your request."),
    S.ACCEPTED: gettext_lazy(
        "The group has taken on your request and is arranging volunteers. They will call "
        "you to agree the details."
    ),
    S.IN_SERVICE: gettext_lazy("The volunteers are serving your request."),
    S.COMPLETED: gettext_lazy("The service is completed. Please tell us how it went."),
    S.RATED: gettext_lazy("The service is completed and you have rated it."),
    S.CLOSED: gettext_lazy("This request is closed."),
    S.WITHDRAWN: gettext_lazy("You withdrew this request."),
}


def next_step(service_request) -> str:
    if service_request.status == S.WITHDRAWN and service_request.withdraw_reason:
        return _("This request was withdrawn at your wish, as you asked our staff.")
    if service_request.status == S.COMPLETED and service_request.completed_at:
        return _("The service is completed. Please tell us how it went, by %(date)s.") % {
            "date": date_format(service_request.rating_deadline, "Y-m-d")
        }
    return NEXT_STEP.get(service_request.status, "")


@never_cache
@policy_required(login_required=False)
def track(request, code):
    service_request = _by_code(code)
    moves = {move.name for move in allowed_from(service_request.status)}
    return render(
        request,
        "service_requests/track.html",
        {
            "service_request": service_request,
            "code_groups": code_groups(service_request.code),
            "next_step": next_step(service_request),
            "timeline": timeline(service_request),
            "volunteers": serving_volunteers(service_request),
            "can_withdraw": "withdraw" in moves,
            "can_rate": "rate" in moves and service_request.rating is None,
            "rating_form": RatingForm(),
        },
    )


# --- The requester's moves -----------------------------------------------------------------


def _show_errors(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_POST
@policy_required(login_required=False)
def withdraw(request, code):
    """Withdrawing needs the confirmation box ticked (a second thought on a phone)."""
    service_request = _by_code(code)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that you want to withdraw it."))
        return redirect("requests:track", code=service_request.code)
    try:
        services.request_withdraw(request=service_request)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Your request is withdrawn. Thank you for telling us."))
    return redirect("requests:track", code=service_request.code)


@require_POST
@policy_required(login_required=False)
def rate(request, code):
    """Once, after completion: the service refuses any other time with a message."""
    service_request = _by_code(code)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return redirect("requests:track", code=service_request.code)
    try:
        services.request_rate(
            request=service_request,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("requests:track", code=service_request.code)
