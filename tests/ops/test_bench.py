"""`manage.py bench --throughput` measures pages against a bare one-query view that only the
benchmark's own WSGI entry point serves: a real deployment (wsgi.py, the normal URLconf)
never answers it, while the bench URLconf serves it through the same middleware as the
pages, next to every page of the portal. No server is started here."""

import subprocess
import sys

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from tests.conftest import shipped_group
from tests.ops.conftest import ROOT, portal_env
from volunteer_portal import bench_urls

BARE = "/bench/bare/"


def test_the_normal_urlconf_has_no_bare_view():
    with pytest.raises(Resolver404):
        resolve(BARE)


def test_the_bench_urlconf_serves_the_bare_view_and_every_page():
    assert resolve(BARE, urlconf="volunteer_portal.bench_urls").func is bench_urls.bare
    for name, args in [("home", []), ("me", []), ("activities:activity-list", []),
                       ("groups:roster", ["ecommerce"])]:  # fmt: skip
        assert reverse(name, args=args, urlconf="volunteer_portal.bench_urls") == reverse(
            name, args=args
        )


@pytest.mark.django_db
def test_the_bare_view_answers_through_the_portals_middleware(client):
    shipped_group("ecommerce")
    assert client.get(BARE).status_code == 404
    with override_settings(ROOT_URLCONF="volunteer_portal.bench_urls"):
        response = client.get(BARE)
    assert response.status_code == 200
    assert response.content == b"yes"
    assert "Content-Security-Policy" in response.headers  # django-csp's middleware ran


def test_only_the_bench_wsgi_module_selects_the_bench_urlconf():
    probe = (
        "import sys, importlib; from django.conf import settings; "
        "importlib.import_module(sys.argv[1]); print(settings.ROOT_URLCONF)"
    )
    env = portal_env(DEBUG="false", SECRET_KEY="bench-test-" + "k" * 50,
                     DJANGO_SETTINGS_MODULE="volunteer_portal.settings")  # fmt: skip
    chosen = {}
    for module in ("volunteer_portal.wsgi", "volunteer_portal.bench_wsgi"):
        chosen[module] = subprocess.run(
            [sys.executable, "-c", probe, module],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
    assert chosen == {
        "volunteer_portal.wsgi": "volunteer_portal.urls",
        "volunteer_portal.bench_wsgi": "volunteer_portal.bench_urls",
    }
