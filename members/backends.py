"""Log in with the mobile phone, as Chinese users expect, besides the username."""

import re

from django.contrib.auth.backends import ModelBackend

from members.validators import MOBILE_PHONE_PATTERN, normalise_phone

from .models import User


class PhoneBackend(ModelBackend):
    """Accepts a member's mobile phone in the username field, typed as on sign-up."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Typed as on sign-up: "+86 139 1234 5678" is the same phone as 13912345678.
        phone = normalise_phone(username)
        if not phone or password is None or not re.match(MOBILE_PHONE_PATTERN, phone):
            return None
        user = User.objects.filter(member__phone=phone).first()
        if user is None:
            # Same cost as a real check, so timing does not reveal which phones exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
