"""Request handling shared by every page: addresses with control characters are refused,
and the language is chosen (Simplified Chinese unless the user chose otherwise)."""

import re

from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.defaults import bad_request


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
