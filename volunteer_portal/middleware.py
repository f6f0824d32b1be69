"""Request handling shared by every page: addresses with control characters are refused,
the language is chosen (Simplified Chinese unless the user chose otherwise), and a request
the database cannot serve answers 503 instead of 500."""

import logging
import re
import sys

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.defaults import bad_request

database_logger = logging.getLogger("volunteer_portal.database")


def _supported(code) -> str | None:
    return code if code in {c for c, _name in settings.LANGUAGES} else None


def _account_language(request) -> str | None:
    """The language kept on the logged-in user's account (``User.language``), if any."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return _supported(getattr(user, "language", ""))


class PortalLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is not consulted.

    The portal speaks Simplified Chinese by default (our volunteers' phones often send
    English headers). A logged-in user's choice, kept on their account by the language
    switcher, comes first, so it follows them to another browser; then the switcher's
    cookie (visitors); then the default. Runs after the authentication middleware.
    """

    def process_request(self, request):
        chosen = _account_language(request) or _supported(
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        )
        translation.activate(chosen or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        # After logging in (or on a new browser), the cookie takes the account's choice, so
        # the pages stay in that language after logging out too.
        language = _account_language(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if language and request.COOKIES.get(cookie) != language and cookie not in response.cookies:
            response.set_cookie(
                cookie,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class RejectControlCharactersMiddleware:
    """A NUL byte or another control character in the path or the query string is a bad
    request (400, the portal's own page), before any view or database sees it: PostgreSQL
    refuses NUL in strings (a 500), and no address of the portal has one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = "".join(f"{key}{value}" for key, values in request.GET.lists() for value in values)
        if CONTROL_CHARACTERS.search(request.path) or CONTROL_CHARACTERS.search(query):
            return bad_request(request, BadRequest("control character in the address"))
        return self.get_response(request)


class DropControlCharacterCookiesMiddleware:
    """A cookie holding a control character was never set by the portal (a forged session
    id with a NUL would reach PostgreSQL, which refuses it: a 500): it is ignored, as if
    the browser had not sent it. First in the chain, before the session is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
                del request.COOKIES[name]
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """The ``Permissions-Policy`` header from ``settings.PERMISSIONS_POLICY``: feature →
    allowed origins, ``[]`` for none (``camera=()``), ``"self"`` for the portal itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(_origin(o) for o in origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def _origin(origin: str) -> str:
    """``self`` and ``*`` as they are; an address in quotes, as the header wants it."""
    return origin if origin in ("self", "*") else f'"{origin}"'


# The errors of a database that is down, restarting, unreachable or too busy to answer
# (a lock or statement timeout is an OperationalError too): the request may succeed if
# repeated a little later, so 503, not 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(request, exception) -> HttpResponse:
    """The 503 page: the request was not completed, an action may not have been saved, and
    how to check. Rendered without the request's context (no user, session, messages or
    organisation name), so it never queries the database it is reporting as down.

    Logged here as one line, and marked as logged, so that Django's request logger does
    not report it again; the admins get one email per outage (the error-mail throttle,
    volunteer_portal.errormail), not one per request."""
    first_line = next(iter(str(exception).strip().splitlines()), "")
    database_logger.error(
        "Database unavailable, answered 503: %s %s (%s: %s)",
        request.method,
        request.path,
        type(exception).__name__,
        first_line,
        # with the traceback: a lock timeout or a missing table is an OperationalError too
        exc_info=(type(exception), exception, exception.__traceback__),
    )
    # The language the request was being served in; if the failure came before it was
    # chosen (loading a logged-in user's account), the switcher's cookie, else the default.
    language = (
        _supported(getattr(request, "LANGUAGE_CODE", None))
        or _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        or settings.LANGUAGE_CODE
    )
    retry_url = request.get_full_path() if request.method in ("GET", "HEAD") else None
    context = {
        "retry_url": retry_url,
        # After a form (a sign-up), the page it was on, to check there; "My page" only
        # for someone who may be logged in (the session cannot be read now).
        "back_url": None if retry_url else _same_site_referer(request),
        "maybe_logged_in": settings.SESSION_COOKIE_NAME in request.COOKIES,
    }
    with translation.override(language):
        content = loader.render_to_string("503.html", context)
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    response._has_been_logged = True  # see django.utils.log.log_response
    return response


def _same_site_referer(request) -> str | None:
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - a bad Host header: no link back
        return None
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}):
        return referer
    return None


class DatabaseUnavailableMiddleware:
    """A view (or its template) that fails because the database is unavailable answers
    503 (``database_unavailable``). Failures in other middleware, such as loading a
    logged-in user's session, never reach ``process_exception``: Django turns them into
    its 500 handler, ``server_error`` below, which does the same."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(request, exception)
        return None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """``handler500``: 503 when the error being handled is the database's, else Django's
    own 500 page (``templates/500.html``)."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return database_unavailable(request, exception)
    return defaults.server_error(request, template_name)
