"""WSGI entry point for the benchmark only (`manage.py bench --throughput` starts gunicorn
with it): the whole portal plus the bare view of volunteer_portal.bench_urls. The settings
come from the environment, as in production; only the URLconf differs, chosen before the
application is built, so the bare view never exists in a real deployment."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_portal.settings")

settings.ROOT_URLCONF = "volunteer_portal.bench_urls"

application = get_wsgi_application()
