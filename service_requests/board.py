"""The board: a group's members see its open requests and offer to take one; the group's
coordinators hear of it and confirm by asking them (``services.request_invite``: an
offer of a place on the request's activity).

The board shows what members need to decide (what is needed, where, when, how many), and
nothing of the requester: no name, organisation, phone or email. A phone number or email
the requester typed into the description is masked there too."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from activities.models import SignUp
from members.models import Member
from members.validators import mask_middle, mask_phone
from service_requests import notify
from service_requests.models import HelpOffer, ServiceRequest
from service_requests.permissions import BOARD, request_policy
from service_requests.queues import masked_email

# A mainland mobile number (spaces or dashes allowed inside), a landline with its area
# code (0596-1234567), and an email address. Dates (2026-12-01) are none of these.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}[\s-]?\d{7,8}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


# Full-width digits and the signs of phones and addresses, read as their ASCII forms.
FULL_WIDTH = str.maketrans("０１２３４５６７８９＠．－＋（）", "0123456789@.-+()")


def board_text(text: str) -> str:
    """``text`` with the phone numbers and email addresses in it masked (full-width digits
    and ＠, as Chinese input methods type them, count; the rest of the text is kept as typed)."""
    text = text.translate(FULL_WIDTH)
    text = _PHONE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group())[-11:]), text)
    text = _LANDLINE.sub(lambda m: mask_middle(re.sub(r"\D", "", m.group()), 4, 2), text)
    return _EMAIL.sub(lambda m: masked_email(m.group()), text)


@transaction.atomic
def help_offer(*, actor, request: ServiceRequest) -> HelpOffer:
    """The actor, a member of the request's group, offers to help with it while it is
    open (dispatched, accepted or in service); once only, and not when already asked.
    The group's coordinators are told by email (after commit)."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if not request_policy.can_offer_help(actor, request):
        raise PermissionDenied
    if request.status not in BOARD:
        raise ValidationError(
            _("Request No. %(number)s is no longer open: it takes no more offers.")
            % {"number": request.pk},
            code="closed",
        )
    member = Member.objects.get(user=actor)  # the policy found their membership
    if HelpOffer.objects.filter(request=request, member=member).exists():
        raise ValidationError(
            _("You have already offered to help with request No. %(number)s.")
            % {"number": request.pk},
            code="duplicate",
        )
    if (
        request.activity_id is not None
        and SignUp.objects.live().filter(activity_id=request.activity_id, member=member).exists()
    ):
        raise ValidationError(
            _("You have already been asked for request No. %(number)s: see your page.")
            % {"number": request.pk},
            code="asked",
        )
    offer = HelpOffer.objects.create(request=request, member=member)
    notify.help_offered(offer)
    return offer


def offers_for(request: ServiceRequest, asked_member_ids: set[int]) -> list[HelpOffer]:
    """The members who offered to help with ``request``, first come first; each marked
    ``asked`` when the coordinator has asked them since (one query)."""
    # Only members of the group it is with now (after a decline and a new dispatch, the
    # old group's offers are not this group's to take up).
    offers = list(
        HelpOffer.objects.filter(
            request=request,
            member__memberships__group_id=request.group_id,
            member__memberships__status="active",
        )
        .select_related("member")
        .order_by("created_at")
    )
    for offer in offers:
        offer.asked = offer.member_id in asked_member_ids
    return offers
