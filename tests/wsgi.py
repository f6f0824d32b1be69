"""Requests through Django's real WSGI handler, as a server makes them: the response is
returned first and closed later (when the server has sent it), so a test can tell what
happens inside the request from what happens after it."""

from django.core.handlers.wsgi import WSGIHandler
from django.middleware.csrf import _get_new_csrf_string
from django.test import RequestFactory

HANDLER = WSGIHandler()


def wsgi_post(path: str, data: dict, **extra):
    """POST with a valid CSRF cookie and token; returns the response, not yet closed."""
    token = _get_new_csrf_string()
    request = RequestFactory().post(
        path, {**data, "csrfmiddlewaretoken": token}, HTTP_COOKIE=f"csrftoken={token}", **extra
    )
    statuses = []
    response = HANDLER(request.environ, lambda status, headers: statuses.append(status))
    response.status = statuses[0]
    return response
