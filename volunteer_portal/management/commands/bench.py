"""`manage.py bench`: time the portal's main pages on the database at hand (the demo data
of a given size), for `make bench`, which runs it on a small and a large database and
compares. Not a test: the tests pin query counts; this measures time.

    manage.py bench --output small.json          # measure, write the figures
    manage.py bench --compare small.json large.json   # print the table
"""

from __future__ import annotations

import json
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

ROUNDS = 7


def _pages() -> list[tuple[str, str | None, str]]:
    """(label, username or None for the public, address) of the pages measured."""
    from activities.models import Activity
    from groups.models import ServiceGroup

    group = ServiceGroup.objects.get(slug="ecommerce")
    biggest = (
        Activity.objects.filter(group=group)
        .annotate(n=Count("signups"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    pages = [
        ("home", None, reverse("home")),
        ("activities", None, reverse("activities:activity-list")),
        ("month calendar", None, reverse("activities:activity-list") + "?view=calendar"),
        ("group list", None, reverse("groups:group-list")),
        ("group page", None, reverse("groups:group-detail", args=[group.slug])),
        ("group iCal feed", None, reverse("activities:feed-group", args=[group.slug])),
        ("impact", None, reverse("impact")),
        ("roster", "coordinator", reverse("groups:roster", args=[group.slug])),
        ("dashboard", "coordinator", reverse("activities:dashboard", args=[group.slug])),
        ("volunteer's page", "volunteer", reverse("me")),
        ("request queue", "admin", reverse("requests:queue")),
        ("reports", "admin", reverse("reports:report")),
    ]
    if biggest:
        pages += [
            ("attendance (biggest)", "coordinator",
             reverse("activities:attendance", args=[biggest])),
            ("participants (biggest)", "coordinator",
             reverse("activities:participants", args=[biggest])),
        ]  # fmt: skip
    return pages


def measure() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    results = {}
    clients: dict = {}
    for label, username, url in _pages():
        if username not in clients:
            clients[username] = Client()
            if username:
                clients[username].force_login(users.get(username=username))
        client = clients[username]
        client.get(url)  # warm: caches, connections
        times, queries, status = [], 0, 0
        for _ in range(ROUNDS):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            queries, status = len(captured), response.status_code
        results[label] = {"url": url, "status": status, "queries": queries,
                          "ms": round(statistics.median(times), 1)}  # fmt: skip
    return results


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def compare_table(small: dict, large: dict) -> list[str]:
    lines = [
        "| page | queries small → large | ms small → large | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for label, before in small.items():
        after = large.get(label)
        if after is None:
            continue
        ratio = after["ms"] / before["ms"] if before["ms"] else float("nan")
        lines.append(
            f"| {label} | {before['queries']} → {after['queries']} | "
            f"{before['ms']} → {after['ms']} | {ratio:.2f}× |"
        )
    return lines


class Command(BaseCommand):
    help = "Time the main pages on this database (for make bench)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write the figures to this JSON file.")
        parser.add_argument("--compare", nargs=2, metavar=("SMALL", "LARGE"))

    def handle(self, *args, output=None, compare=None, **options):
        if compare:
            small, large = (_load(path) for path in compare)
            self.stdout.write("\n".join(compare_table(small, large)))
            return
        if connection.vendor != "postgresql":
            raise CommandError("Benchmark on PostgreSQL (set DATABASE_URL).")
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        # Production settings, but static files named as collected or not (no manifest).
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(
            ALLOWED_HOSTS=hosts, SECURE_SSL_REDIRECT=False, DEBUG=False, STORAGES=storages
        ):
            results = measure()
        for label, figures in results.items():
            self.stdout.write(
                f"{label:24} {figures['status']} {figures['queries']:3} queries "
                f"{figures['ms']:8.1f} ms"
            )
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                json.dump(results, handle, ensure_ascii=False, indent=1)
