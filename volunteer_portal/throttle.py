"""Rate limits on the forms that strangers can use to guess (sign-up, password reset, the
login address limit, the profile form), kept in the cache so that they hold across app
servers once the cache is shared (Redis).

The counting is django-ratelimit's; this module says whose requests count together
(``client_ip``, behind ``TRUSTED_PROXY_COUNT`` proxies) and what a limited person sees: the
form again, unbound (so nothing they typed is checked, which would answer the very question
the limit is there to slow down), a message that says when to try again, and status 429.
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.contrib import messages
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage


def client_ip(request) -> str:
    """The visitor's address: REMOTE_ADDR, or, behind ``TRUSTED_PROXY_COUNT`` proxies that
    append to X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), the address the
    nearest trusted proxy saw. Entries a client wrote itself are never trusted."""
    address = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - a key, not a bind
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [a for a in chain if a]
        if len(chain) >= proxies:
            address = chain[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "0.0.0.0"  # noqa: S104


def seconds_to_wait(request, group: str, key, *, count: bool = True) -> int | None:
    """Count this request against the limit ``settings.RATE_LIMITS[group]`` per ``key``
    ("ip", "user", or a callable ``(group, request) -> str``) and return how many seconds
    are left in the window when it is over the limit, else None. ``count=False`` only looks."""
    usage = get_usage(
        request, group=group, key=key, rate=settings.RATE_LIMITS[group], increment=count
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts. Please wait %(minutes)d minute and try again.",
        "Too many attempts. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


class RateLimitedFormMixin:
    """A FormView whose submissions are limited: ``rate_limits`` lists (group, key) pairs,
    each counted on every POST."""

    rate_limits: tuple = ()

    def post(self, request, *args, **kwargs):
        waits = [seconds_to_wait(request, group, key) for group, key in self.rate_limits]
        waits = [wait for wait in waits if wait]
        if waits:
            return self.rate_limited(max(waits))
        return super().post(request, *args, **kwargs)

    def rate_limited(self, seconds: int):
        messages.error(self.request, wait_message(seconds))
        kwargs = self.get_form_kwargs()
        kwargs.pop("data", None)
        kwargs.pop("files", None)
        form_class = self.get_form_class()
        kwargs["initial"] = {
            name: values if len(values) > 1 or _takes_many(form_class, name) else values[0]
            for name, values in self.request.POST.lists()
            if "password" not in name and name != "csrfmiddlewaretoken"
        }
        form = form_class(**kwargs)
        return self.render_to_response(self.get_context_data(form=form), status=429)


def _takes_many(form_class, name: str) -> bool:
    """A field of several values (skills ticked): all of them, not only the last."""
    from django import forms

    field = form_class.base_fields.get(name)
    return isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
