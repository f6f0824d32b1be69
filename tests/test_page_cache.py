"""Issue 12: public pages cached whole for anonymous visitors (volunteer_portal.page_cache),
never stale after a change, never someone else's CSRF token, never for the logged in."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities.models import SignUp
from tests.factories import ActivityFactory, SignUpFactory
from volunteer_portal.audit import bulk_update_audited

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 60


def public_pages(activity):
    return [
        reverse("home"),
        reverse("activities:activity-list"),
        reverse("activities:activity-list") + "?view=calendar",
        reverse("groups:group-detail", args=["ecommerce"]),
        reverse("activities:activity-detail", args=[activity.pk]),
    ]


@pytest.mark.django_db
def test_a_second_anonymous_visit_is_served_with_no_query(ecommerce):
    activity = ActivityFactory(title="周末义诊")
    for url in public_pages(activity):
        first = Client().get(url)
        assert first.status_code == 200 and "X-Page-Cache" not in first
        with CaptureQueriesContext(connection) as queries:
            second = Client().get(url)
        assert second["X-Page-Cache"] == "hit", url
        assert len(queries) == 0, url
        strip = lambda response: TOKEN.sub("", response.content.decode())  # noqa: E731
        assert strip(second) == strip(first)


@pytest.mark.django_db
def test_each_visitor_gets_a_token_of_their_own_that_works(ecommerce):
    url = reverse("home")
    Client().get(url)  # stores the page
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        page = visitor.get(url)
        assert page["X-Page-Cache"] == "hit"
        token = TOKEN.search(page.content.decode()).group(1)
        assert "__csrf" not in page.content.decode()
        assert settings.CSRF_COOKIE_NAME in page.cookies
        switched = visitor.post(
            reverse("set_language"),
            {"language": "en", "next": "/", "csrfmiddlewaretoken": token},
        )
        assert switched.status_code == 302  # a token of another visitor would be a 403
    stranger = Client(enforce_csrf_checks=True)
    stranger.get(url)
    other_token = TOKEN.search(Client().get(url).content.decode()).group(1)
    refused = stranger.post(
        reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": other_token}
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_a_change_shows_at_once(ecommerce):
    activity = ActivityFactory(title="周末义诊", capacity=2)
    client = Client()
    url = reverse("activities:activity-detail", args=[activity.pk])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    activity.title = "改名后的义诊"
    activity.save()
    assert "改名后的义诊" in client.get(url).content.decode()

    ActivityFactory(title="新发布的活动")  # a new activity on the list
    listing = reverse("activities:activity-list")
    client.get(listing)
    ActivityFactory(title="又一个新活动")
    assert "又一个新活动" in client.get(listing).content.decode()

    # Bulk updates send no post_save: offers lapsing in bulk still drop the pages.
    offered = SignUpFactory(
        activity=activity,
        status=SignUp.Status.OFFERED,
        offer_expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    offered.status = SignUp.Status.EXPIRED
    bulk_update_audited([offered], ["status"], actor=None, event="offer_lapsed")
    assert "X-Page-Cache" not in client.get(url)


@pytest.mark.django_db
def test_languages_are_kept_apart(ecommerce):
    url = reverse("activities:activity-list")
    Client().get(url)
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english.get(url)
    page = english.get(url)
    assert page["X-Page-Cache"] == "hit"
    assert '<html lang="en"' in page.content.decode()
    assert '<html lang="zh-hans"' in Client().get(url).content.decode()


@pytest.mark.django_db
def test_the_logged_in_and_visitors_with_a_message_get_the_page_rendered(
    client, volunteer, ecommerce
):
    url = reverse("home")
    Client().get(url)
    client.force_login(volunteer)
    page = client.get(url)
    assert "X-Page-Cache" not in page
    assert "logout" in page.content.decode()

    with_message = Client()
    with_message.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in with_message.get(url)


@pytest.mark.django_db
def test_a_page_that_is_not_found_is_not_stored(ecommerce):
    draft = ActivityFactory(status="draft")
    url = reverse("activities:activity-detail", args=[draft.pk])
    assert Client().get(url).status_code == 404
    assert Client().get(url).status_code == 404
    draft.status = "published"
    draft.save()
    assert Client().get(url).status_code == 200


@pytest.mark.django_db
def test_made_up_addresses_never_push_out_the_rate_limits_counts(ecommerce, settings):
    """Pages are kept in a cache of their own: any address makes a key there, and a full
    one drops pages, not the counts of the rate limits in the default cache."""
    from django.core.cache import cache, caches

    small = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
             "LOCATION": "pages-small", "OPTIONS": {"MAX_ENTRIES": 10}}  # fmt: skip
    settings.CACHES = {**settings.CACHES, "pages": small}
    cache.set("a-rate-limit-count", 3, 600)
    for n in range(30):  # three times what the pages cache holds
        Client().get(reverse("home"), {"utm": n})
    assert cache.get("a-rate-limit-count") == 3
    assert 0 < len(caches["pages"]._cache) <= 10  # the pages went there, and no more


@pytest.mark.django_db
def test_the_placeholder_typed_into_an_address_gets_no_token(ecommerce):
    from volunteer_portal.page_cache import PLACEHOLDER

    url = reverse("home") + "?x=" + PLACEHOLDER
    Client().get(url)
    visitor = Client()
    page = visitor.get(url)
    assert page["X-Page-Cache"] == "hit"
    token = TOKEN.search(page.content.decode()).group(1)
    assert page.content.decode().count(token) == 1  # the language form's token field only
    assert PLACEHOLDER in page.content.decode()


@pytest.mark.django_db
def test_an_import_and_a_renamed_head_show_on_the_group_page_at_once(ecommerce, tmp_path):
    from django.core.management import call_command

    from tests.factories import LeaderAssignmentFactory, MemberFactory

    head = MemberFactory(full_name="旧名字")
    LeaderAssignmentFactory(group=ecommerce, member=head)
    url = reverse("groups:group-detail", args=["ecommerce"])
    assert "旧名字" in Client().get(url).content.decode()
    head.full_name = "新名字"
    head.save()
    assert "新名字" in Client().get(url).content.decode()

    count = re.compile(r'id="member-count"[^>]*>\s*(\d+)')
    before = int(count.search(Client().get(url).content.decode()).group(1))
    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,手机号\n导入一,13900000101\n导入二,13900000102\n", encoding="utf-8")
    call_command("import_members", "ecommerce", str(roster))
    after = int(count.search(Client().get(url).content.decode()).group(1))
    assert after == before + 2
