"""Django's own strings that the portal translates again, in its own catalogue.

Nothing imports this module: it exists so that ``makemessages`` copies these msgids into
``locale/zh_Hans/LC_MESSAGES/django.po``, where the portal's translation replaces Django's
(the catalogues in ``LOCALE_PATHS`` are merged last, so they win). Why each is here:

- Django's Chinese password messages address the reader as 你; everywhere else the portal
  says 您 (the polite form an organisation uses with its volunteers).
- django-filter ships Chinese only as ``zh_CN``, which Django never looks up for
  ``zh-hans``: its sort labels ("姓名 (descending)") showed in English.
- django-axes (login throttling) ships no Chinese at all: its pages in Django admin
  (access attempts, the login log) showed in English.

The admin's many-to-many picker (``filter_horizontal``) draws its labels in JavaScript,
so its strings are in the ``djangojs`` domain: ``catalogue.js`` beside this file holds
them, for Django versions whose Chinese catalogue lacks them (they showed in English). The
admin's ``jsi18n`` view merges our ``djangojs`` catalogue too.

Each msgid must match Django's exactly, curly apostrophes included;
tests/test_catalogue_overrides.py checks that each still exists in Django's catalogues,
so an upgrade that changes one is noticed.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

PASSWORD_MESSAGES = [
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
    ),
]

DJANGO_FILTER_MESSAGES = [
    gettext_noop("%s (descending)"),
]

AXES_MESSAGES = [
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
]
