"""A NUL byte or another control character in a URL is a bad request (400), whatever the
route, the role or the database: PostgreSQL refuses NUL in strings, and nothing the
portal serves has a control character in its address.

The routes are enumerated from the URL resolver, so a new route is fuzzed too.
"""

import pytest
from django.urls import reverse

from tests.test_permission_matrix import ROUTES

HOSTILE = ["%00", "A%00B", "%01", "x%1Fy", "%7F", "%0D%0ASet-Cookie:x=1"]
TEXT_CONVERTERS = ("StringConverter", "SlugConverter", "PathConverter")
MARK = "zzfuzzmarkzz"


def fuzzable_routes():
    """Every route with a text parameter, its parameters filled with harmless values and
    one of them marked for the hostile text."""
    for name, pattern in sorted(ROUTES.items()):
        converters = pattern.pattern.converters
        for param, converter in converters.items():
            if type(converter).__name__ not in TEXT_CONVERTERS:
                continue
            values = {
                key: (MARK if key == param else _harmless(conv)) for key, conv in converters.items()
            }
            yield pytest.param(name, values, id=f"{name}[{param}]")


def _harmless(converter):
    kind = type(converter).__name__
    if kind == "IntConverter":
        return 1
    if kind == "UUIDConverter":
        return "00000000-0000-4000-8000-000000000000"
    if hasattr(converter, "regex") and "|" in converter.regex:
        return converter.regex.split("|")[0]
    return "abc"


@pytest.mark.parametrize(("name", "values"), list(fuzzable_routes()))
@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_control_characters_in_a_path_parameter_are_a_bad_request(
    name, values, role, client_for, ecommerce
):
    client = client_for(role)
    url = reverse(name, kwargs=values)
    for hostile in HOSTILE:
        response = client.get(url.replace(MARK, hostile))
        assert response.status_code == 400, (url.replace(MARK, hostile), response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/activities/",
        "/activities/?view=calendar",
        "/groups/",
        "/groups/ecommerce/roster/",
        "/members/",
        "/certificates/",
        "/accounts/login/",
    ],
)
@pytest.mark.parametrize("query", ["q=%00", "group=a%00b", "month=2026-%0111", "x%00=1"])
def test_control_characters_in_a_query_are_a_bad_request(path, query, admin_client, ecommerce):
    joiner = "&" if "?" in path else "?"
    response = admin_client.get(f"{path}{joiner}{query}")
    assert response.status_code == 400
    assert "400" in response.content.decode()  # the portal's own page, not a bare text


def test_a_bad_request_page_is_the_portals_own_in_the_visitors_language(client, db):
    page = client.get("/certificates/%00/").content.decode()
    assert "请求无效" in page and "<html" in page
    client.cookies["django_language"] = "en"
    assert "Bad request" in client.get("/certificates/%00/").content.decode()


def test_ordinary_addresses_still_work(client, ecommerce):
    assert client.get("/activities/?q=直播&kind=training").status_code == 200
    assert client.get("/groups/ecommerce/").status_code == 200


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "django_language"])
def test_a_cookie_with_a_nul_is_ignored_not_a_500(client, db, volunteer, cookie):
    """A forged session id with a NUL reached PostgreSQL, which refuses it (issue 9
    review): the cookie is dropped as if never sent."""
    client.force_login(volunteer)
    client.cookies[cookie] = "abcdefgh\x00ijkl"
    response = client.get("/")
    assert response.status_code == 200
