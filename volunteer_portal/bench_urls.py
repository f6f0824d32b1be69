"""The portal's URLconf plus a bare view, for `manage.py bench --throughput` only (served by
volunteer_portal.bench_wsgi, never by the real wsgi.py): the bare view is the yardstick
that the pages' requests per second are measured against."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from groups.models import ServiceGroup
from volunteer_portal.urls import handler500
from volunteer_portal.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler500", "urlpatterns"]


@require_GET
def bare(request):
    """One small ORM query and a short answer, through the same middleware as the pages:
    what any page costs at the least, so a page's throughput reads as a share of it."""
    return HttpResponse("yes" if ServiceGroup.objects.exists() else "no", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), *portal_urlpatterns]
