"""Log in with the mobile phone, as Chinese users expect, besides the username."""

import re

from django.contrib.auth.backends import ModelBackend

from members.validators import MOBILE_PHONE_PATTERN

from .models import User


class PhoneBackend(ModelBackend):
    """Accepts a member's 11-digit mobile phone in the username field."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None or not re.match(MOBILE_PHONE_PATTERN, username):
            return None
        user = User.objects.filter(member__phone=username).first()
        if user is None:
            # Same cost as a real check, so timing does not reveal which phones exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
