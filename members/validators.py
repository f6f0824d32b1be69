"""Validators for member data: mainland mobile phones and GB 11643 identity numbers."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# [0-9], not \d: \d also matches full-width digits that Chinese input methods produce.
MOBILE_PHONE_PATTERN = r"^1[0-9]{10}$"


def normalise_phone(value) -> str:
    """A mobile phone as people type it (spaces, dashes, brackets, a +86 or 0086 prefix)
    in its stored form: the same for sign-up, forms, imports and logging in."""
    digits = re.sub(r"[\s\-()]", "", str(value or ""))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits


NATIONAL_ID_PATTERN = r"^[0-9]{17}[0-9X]$"

validate_mobile_phone = RegexValidator(
    MOBILE_PHONE_PATTERN,
    _("Enter a mainland China mobile number: 11 digits starting with 1."),
    code="invalid_phone",
)

# GB 11643-1999: 17 digits, then a check character computed with ISO 7064 MOD 11-2.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def national_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_national_id(value: str) -> None:
    """An 18-character resident identity number with a valid birth date and check digit."""
    value = value.upper()
    if not re.match(NATIONAL_ID_PATTERN, value):
        raise ValidationError(
            _("An identity number has 18 characters: 17 digits and a digit or X."),
            code="invalid_national_id",
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this identity number is not a real date."),
            code="invalid_national_id",
        ) from None
    if national_id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("This identity number's check digit is wrong; please check for a typo."),
            code="invalid_national_id",
        )


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """138****5678 style: keep the ends, star the middle."""
    if len(value) <= keep_start + keep_end:
        return value
    end = value[len(value) - keep_end :]  # (value[-0:] would be the whole value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + end


def mask_phone(phone: str) -> str:
    """A phone as shown to people who do not need it: 138****5678 for a mobile number, and
    every digit starred for anything else (a landline gives away too much with its ends)."""
    return mask_middle(phone, 3, 4) if len(phone) == 11 else "*" * len(phone)
