"""Login throttling with django-axes: who counts as the same account, and what a person
who is locked out sees.

- Failures count per account, whichever way it was named: "+86 139 1234 5678", "13912345678"
  and the account's username are one account (``attempted_account``).
- After ``AXES_FAILURE_LIMIT`` failures the account is locked for ``AXES_COOLOFF_TIME``;
  more failures while locked do not extend it, so an attacker cannot keep the owner out
  for good, and a password reset by email unlocks it at once (``unlock``). Admins unlock by
  deleting the account's row under "Access attempts" in Django admin.
- The per-address limit (many accounts tried from one address) is the login view's,
  through volunteer_portal.throttle: it is higher, as a whole venue may share one address.
"""

from __future__ import annotations

import math
import re

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.validators import MOBILE_PHONE_PATTERN, normalise_phone


def attempted_account(request, credentials: dict | None) -> str:
    """The name failures are counted under: the account's username when the login names an
    account by phone, else what was typed, tidied; in lower case either way, so "ZhangWei",
    "zhangwei" and the phone are one count (the same for unknown names, so the count says
    nothing about who exists)."""
    from members.models import User

    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
    typed = str(typed).strip()[:150]
    phone = normalise_phone(typed)
    if phone and re.match(MOBILE_PHONE_PATTERN, phone):
        username = User.objects.filter(member__phone=phone).values_list("username", flat=True)
        return (username.first() or phone).lower()
    return typed.lower()


def locked_until(username: str):
    last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))
    cool_off = get_cool_off()
    if last["last"] is None or cool_off is None:
        return None
    return last["last"] + cool_off


def lockout_message(until) -> str:
    if until is None:
        return _("Too many failed logins for this account. Please try again later.")
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ngettext(
        "Too many failed logins for this account. You can try again after %(time)s "
        "(in %(minutes)d minute), or reset your password by email now.",
        "Too many failed logins for this account. You can try again after %(time)s "
        "(in %(minutes)d minutes), or reset your password by email now.",
        minutes,
    ) % {"time": time_format(timezone.localtime(until), "H:i"), "minutes": minutes}


def lockout_response(request, response, credentials):
    """The login page again, empty, with a message saying when to try again (django-axes'
    AXES_LOCKOUT_CALLABLE), status 429."""
    from members.forms import PortalAuthenticationForm

    until = locked_until(attempted_account(request, credentials))
    context = {
        "form": PortalAuthenticationForm(request),
        "lockout_message": lockout_message(until),
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)


def unlock(user) -> None:
    """Clear the failures counted against an account (after a password reset by email)."""
    reset(username=user.username.lower())
    if getattr(user, "member", None) is not None and user.member.phone:
        reset(username=user.member.phone)
