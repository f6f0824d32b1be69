"""Whole public pages cached for anonymous visitors: the home page, the activity list, a
group's page, an activity's page.

Most visitors of those pages are not logged in and all of them see the same page (per
language and address), so rendering it for each was most of the server's work: the home
page served 4 % of the requests per second of a bare one-query view. A cached page is
served with no query and no template.

What keeps it right:

- Only anonymous visitors with no session and no message waiting get a cached page; the
  page is stored only if it is a 200 that sets no cookie.
- The key holds the language, the address with its query, and a generation that moves on
  after the commit of any change to what these pages show (``connect``: activities,
  sign-ups, groups, memberships, leaders and their names, the organisation, brands,
  themes, skills and members' skills; bulk writes send ``audit.bulk_updated``) and with the public
  summary's own generation (hours approved, requests completed). What changes with the
  clock alone (an activity starting) shows within ``PAGE_CACHE_SECONDS``.
- The CSRF token of the page's forms (the language switch) is the visitor's own: the stored
  page holds a placeholder, replaced by a fresh token on each hit (which also sets the
  visitor's CSRF cookie, as rendering would).

The same generation keeps aggregates over whole lists for logged-in pages too
(``query_result``: a roster's category counts, the groups' member counts), under the query
itself, so whoever may run the query gets its result and a change drops it.

With several app servers, the generation reaches the others through a shared cache
(``CACHE_URL``, Redis); with a cache per process, another process's copy is at most
``PAGE_CACHE_SECONDS`` old.
"""

from __future__ import annotations

import hashlib
import re
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import EmptyResultSet
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

GENERATION_KEY = "page-cache:generation"
PLACEHOLDER = "__csrf-token-of-the-visitor__"
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
# Only the token fields are filled in on the way out: the placeholder typed into an
# address the page echoes (escaped, its quotes are not these) stays as typed.
FIELD_WITH_PLACEHOLDER = f'name="csrfmiddlewaretoken" value="{PLACEHOLDER}"'


def pages():
    """The cache the pages are kept in: its own (``CACHES["pages"]``), so that addresses
    with made-up query strings push out other pages, never the rate limits' counts."""
    return caches["pages"]


def cacheable(request) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def page_key(request) -> str:
    from reports.summary import GENERATION_KEY as SUMMARY_GENERATION

    generations = cache.get_many([GENERATION_KEY, SUMMARY_GENERATION])
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return ":".join(
        [
            "page",
            str(generations.get(GENERATION_KEY, 0)),
            str(generations.get(SUMMARY_GENERATION, 0)),
            translation.get_language() or "",
            address,
        ]
    )


def public(view):
    """Serve ``view`` from the cache to anonymous visitors (see the module's docstring)."""

    @wraps(view)
    def cached(request, *args, **kwargs):
        if not cacheable(request):
            return view(request, *args, **kwargs)
        key = page_key(request)
        stored = pages().get(key)
        if stored is not None:
            content, content_type = stored
            token_field = f'name="csrfmiddlewaretoken" value="{get_token(request)}"'
            response = HttpResponse(
                content.replace(FIELD_WITH_PLACEHOLDER, token_field), content_type=content_type
            )
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.add_post_render_callback(lambda rendered: _store(key, rendered))
        else:
            _store(key, response)
        return response

    return cached


def generation() -> int:
    """The generation now (a new one if the cache lost it, never an older one again)."""
    found = cache.get(GENERATION_KEY)
    if found is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        found = cache.get(GENERATION_KEY, 0)
    return found


def query_result(queryset, evaluate):
    """``evaluate(queryset)``, kept under the query's SQL until the generation moves on
    (or for ``QUERY_CACHE_SECONDS``): for an aggregate over a whole list, such as a
    roster's category counts, that is the same on every page of it and costs more than the
    page's rows. For logged-in pages too: the key is the query itself, so whoever may run
    it gets its result."""
    if settings.QUERY_CACHE_SECONDS <= 0:
        return evaluate(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # ``.none()`` and the like: nothing to keep
        return evaluate(queryset)
    digest = hashlib.sha256(repr((queryset.db, sql, params)).encode()).hexdigest()
    key = f"query:{generation()}:{digest}"
    found = pages().get(key)
    if found is None:
        found = evaluate(queryset)
        pages().set(key, found, settings.QUERY_CACHE_SECONDS)
    return found


def _store(key: str, response) -> None:
    if response.status_code != 200 or response.streaming or response.cookies:
        return
    content_type = response.get("Content-Type", "")
    if not content_type.startswith("text/html"):
        return
    content = response.content.decode(response.charset)
    if len(set(TOKEN_FIELD.findall(content))) > 1:  # not one page's token: leave it uncached
        return
    content = TOKEN_FIELD.sub(FIELD_WITH_PLACEHOLDER, content)
    pages().set(key, (content, content_type), settings.PAGE_CACHE_SECONDS)


def invalidate() -> None:
    """Every cached page is old from now on (the generation moves on)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet, or evicted: any value but the last one read
        cache.set(GENERATION_KEY, time.time_ns(), None)


def changed(sender, raw=False, **kwargs) -> None:
    """A receiver for post_save, post_delete, m2m_changed and bulk updates: drop the pages
    now (this transaction's own reads) and again after the commit (a page another visitor
    rendered in between, from the data before the commit)."""
    if not raw:
        invalidate()
        transaction.on_commit(invalidate)


def connect() -> None:
    """Connected at start-up (``volunteer_portal.apps``): the models whose rows the public
    pages show."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from activities.models import Activity, ActivityPhoto, Brand, SignUp, Theme
    from groups.models import LeaderAssignment, Membership, Organisation, ServiceGroup
    from members.models import Member, Skill
    from volunteer_portal.audit import bulk_updated

    for through in (Activity.themes.through, Activity.skills_wanted.through, Member.skills.through):
        m2m_changed.connect(changed, sender=through, dispatch_uid=f"page-cache-{through.__name__}")
    for model in (
        Activity,
        ActivityPhoto,
        Brand,
        Theme,
        SignUp,
        ServiceGroup,
        Membership,
        LeaderAssignment,
        Organisation,
        Member,  # a group's heads are named on its page and on the home page
        Skill,
    ):
        for signal in (post_save, post_delete, bulk_updated):
            signal.connect(changed, sender=model, dispatch_uid=f"page-cache-{model.__name__}")
