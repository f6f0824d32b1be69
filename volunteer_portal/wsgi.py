"""WSGI entry point for gunicorn: ``gunicorn volunteer_portal.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_portal.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402 - needs the settings module set above
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

if settings.SECRET_KEY_MISSING and not settings.DEBUG:
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment (or DEBUG=true for a local trial)."
    )
