"""Validators for member data."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MOBILE_PHONE_PATTERN = r"^1\d{10}$"

validate_mobile_phone = RegexValidator(
    MOBILE_PHONE_PATTERN,
    _("Enter a mainland China mobile number: 11 digits starting with 1."),
    code="invalid_phone",
)
