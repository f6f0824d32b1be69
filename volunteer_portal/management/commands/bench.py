"""`manage.py bench`: time the portal's main pages on the database at hand (the demo data
of a given size), for `make bench`, which runs it on a small and a large database and
compares. Not a test: the tests pin query counts; this measures time.

    manage.py bench --output small.json          # measure, write the figures
    manage.py bench --compare small.json large.json   # print the table
    manage.py bench --throughput --output throughput.json   # requests per second

The throughput is measured over HTTP, against gunicorn as production runs it (see
`measure_throughput`), as a share of a bare one-query view served only for the benchmark
(volunteer_portal.bench_wsgi), so that the figures travel between machines.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

ROUNDS = 7

# Throughput: gunicorn as production runs it (sync workers), two of them, as in issue 12.
WORKERS = 2
# Two connections per worker: with one, a worker idles while the load generator reads its
# answer and connects again; with two, the next request already waits in the listen queue.
# More only lengthen that queue (a sync worker serves one request at a time) and cost the
# load generator CPU that the server, on a small machine, needs.
CONNECTIONS = 2 * WORKERS
THROUGHPUT_ROUNDS = 3
THROUGHPUT_SECONDS = 2.0
# Issue 12's goals, in % of the bare view's requests per second.
GOAL_ANONYMOUS = 25
GOAL_LOGGED_IN = 5
# Above this share of a core, the load generator (one Python process, so one core at most)
# may be what limits the bare view, which would flatter every page's ratio.
GENERATOR_CPU_WARNING = 0.8
# The server's settings: production's (DEBUG off, persistent connections), over plain HTTP
# on localhost, with static files named as collected or not (no manifest), quiet logs.
SERVER_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "volunteer_portal.settings",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "TRUSTED_PROXY_COUNT": "0",
    "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "LOG_LEVEL": "WARNING",
}


def big_activity(people: int) -> int:
    """The benchmark's own activity with ``people`` confirmed sign-ups (made on the first
    run, in bulk), under way now, so that its attendance sheet and participants page can be
    timed at a size the demo data does not have."""
    import datetime

    from django.utils import timezone

    from activities.models import Activity, SignUp
    from groups.models import ServiceGroup
    from members.models import Member

    title = f"bench: {people} people"
    found = Activity.objects.filter(title=title).values_list("pk", flat=True).first()
    if found:
        return found
    now = timezone.now()
    activity = Activity.objects.create(
        group=ServiceGroup.objects.get(slug="ecommerce"), title=title, capacity=people,
        status=Activity.Status.PUBLISHED, starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2),
    )  # fmt: skip
    members = Member.objects.order_by("pk").values_list("pk", flat=True)[:people]
    SignUp.objects.bulk_create(
        SignUp(activity=activity, member_id=pk, status=SignUp.Status.CONFIRMED) for pk in members
    )
    return activity.pk


def _pages(people: int) -> list[tuple[str, str | None, str]]:
    """(label, username or None for the public, address) of the pages measured."""
    from groups.models import ServiceGroup

    group = ServiceGroup.objects.get(slug="ecommerce")
    biggest = big_activity(people)
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
    pages += _search_pages(group)
    pages += [
        ("attendance (n people)", "coordinator",
         reverse("activities:attendance", args=[biggest])),
        ("participants (n people)", "coordinator",
         reverse("activities:participants", args=[biggest])),
    ]  # fmt: skip
    return pages


def _search_pages(group) -> list[tuple[str, str | None, str]]:
    """The searches of issue 13: the roster and the talent search by a common surname, a
    phone's first digits, an employer's word and a skill, and the activities filtered.
    Whatever the data, the same searches: the most common surname, skill and employer's
    word of the group's members."""
    from django.db.models import Count
    from django.db.models.functions import Left

    from members.models import Member

    members = Member.objects.filter(memberships__group=group).order_by()
    surname = (
        members.annotate(initial=Left("full_name", 1)).values("initial")
        .annotate(n=Count("pk")).order_by("-n").values_list("initial", flat=True).first()
    )  # fmt: skip
    skill = (
        Member.skills.through.objects.filter(member__memberships__group=group)
        .values("skill_id").annotate(n=Count("pk")).order_by("-n")
        .values_list("skill_id", flat=True).first()
    )  # fmt: skip
    roster = reverse("groups:roster", args=[group.slug])
    talent = reverse("members:member-list")
    activities = reverse("activities:activity-list")
    return [
        ("roster: a surname", "coordinator", f"{roster}?q={surname}"),
        ("roster: a phone's digits", "coordinator", f"{roster}?q=0012"),
        ("roster: an employer's word", "coordinator", f"{roster}?q=新媒体"),
        ("roster: a skill", "coordinator", f"{roster}?skill={skill}"),
        ("talent search: a surname", "admin", f"{talent}?q={surname}"),
        ("talent search: an employer's word", "admin", f"{talent}?q=新媒体"),
        ("activities, filtered", None, f"{activities}?group={group.pk}&free=on"),
    ]


def measure(people: int = 500) -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    results = {}
    clients: dict = {}
    for label, username, url in _pages(people):
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
        if "(n people)" in label:
            results[label]["people"] = people
    return results


def _load(paths: str) -> dict:
    """The figures of one run, or of several (comma-separated files): then each page's
    fastest."""
    best: dict = {}
    for path in paths.split(","):
        with open(path, encoding="utf-8") as handle:
            for label, figures in json.load(handle).items():
                if label not in best or figures["ms"] < best[label]["ms"]:
                    best[label] = figures
    return best


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
        shown, note = label, f"{ratio:.2f}×"
        if before.get("people") and after.get("people", 0) > before["people"]:
            # A page of n rows by design: its cost per row, from the two sizes.
            shown = label.replace("n people", f"{before['people']} → {after['people']} people")
            per_row = (after["ms"] - before["ms"]) / (after["people"] - before["people"])
            note += f" ({per_row:.2f} ms a row)"
        lines.append(
            f"| {shown} | {before['queries']} → {after['queries']} | "
            f"{before['ms']} → {after['ms']} | {note} |"
        )
    return lines


def _throughput_pages() -> list[tuple[str, str | None, str]]:
    """(label, username or None for the public, address) of the key pages of issue 12."""
    from django.contrib.auth.models import AnonymousUser

    from activities.permissions import activity_policy
    from groups.models import ServiceGroup

    group = ServiceGroup.objects.get(slug="ecommerce")
    activity = (
        activity_policy.instances_for(AnonymousUser())
        .upcoming()
        .filter(group=group)
        .order_by("starts_at", "pk")
        .first()
    )
    if activity is None:
        raise CommandError("The demo data has no upcoming public activity: run seed_demo.")
    activities = reverse("activities:activity-list")
    return [
        ("home", None, reverse("home")),
        ("activities", None, activities),
        ("group page", None, reverse("groups:group-detail", args=[group.slug])),
        ("activity page", None, reverse("activities:activity-detail", args=[activity.pk])),
        ("roster", "coordinator", reverse("groups:roster", args=[group.slug])),
        ("activities", "volunteer", activities),
        ("volunteer's page", "volunteer", reverse("me")),
        ("dashboard", "coordinator", reverse("activities:dashboard", args=[group.slug])),
    ]


def _login_session(username: str):
    """A saved session logged in as ``username``, as the login view (or force_login) leaves
    it, for the load generator to send as a cookie."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )

    user = get_user_model().objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session


@dataclass
class Target:
    label: str
    who: str
    url: str
    request: bytes  # the whole HTTP request, built once
    goal: int | None  # % of the bare view's requests per second


def _request(port: int, url: str, cookie: str = "") -> bytes:
    lines = [f"GET {url} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _fetch(port: int, request: bytes) -> int:
    """The status of one request; the answer is read to its end (gunicorn's sync workers
    close the connection after each one, so there is no keep-alive to reuse)."""
    with socket.socket() as connection:
        connection.settimeout(60)
        connection.connect(("127.0.0.1", port))
        connection.sendall(request)
        head = b""
        while chunk := connection.recv(65536):
            if len(head) < 12:
                head += chunk
    return int(head[9:12]) if head.startswith(b"HTTP/") else 0


@dataclass
class Load:
    answered: int  # with 200
    failed: int
    seconds: float
    cpu_seconds: float  # the load generator's own

    @property
    def rps(self) -> float:
        return self.answered / self.seconds

    @property
    def generator_cpu(self) -> float:
        """The load generator's CPU time as a share of one core."""
        return self.cpu_seconds / self.seconds


def _run_load(port: int, request: bytes, seconds: float, connections: int) -> Load:
    """Send ``request`` over ``connections`` parallel connections, each a new one as soon as
    the last was answered, for ``seconds``; the requests under way then are waited for and
    counted, with their time."""
    deadline = time.monotonic() + seconds
    tallies = [[0, 0] for _ in range(connections)]

    def hammer(tally: list[int]) -> None:
        while time.monotonic() < deadline:
            try:
                status = _fetch(port, request)
            except OSError:
                status = 0
            tally[status != 200] += 1

    threads = [threading.Thread(target=hammer, args=(t,), daemon=True) for t in tallies]
    cpu, start = time.process_time(), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.monotonic() - start, time.process_time() - cpu
    return Load(sum(t[0] for t in tallies), sum(t[1] for t in tallies), elapsed, cpu)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _sigterm_as_exit():
    """A SIGTERM (make or a CI job stopped) unwinds like Ctrl-C, so the server is stopped."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def shared_cache_url() -> str | None:
    """The cache the benchmark's app processes share, as production's do (``CACHE_URL``):
    ``BENCH_CACHE_URL`` (a Redis address; empty for none), else Redis on localhost if one
    answers, emptied first (database 15), else none (each process its own, as with no
    ``CACHE_URL``)."""
    url = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15")
    if not url:  # BENCH_CACHE_URL= : each process its own
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except Exception:  # no Redis here: the processes keep their own caches
        if "BENCH_CACHE_URL" in os.environ:
            raise CommandError(f"BENCH_CACHE_URL {url} does not answer.") from None
        return None
    return url


@contextmanager
def gunicorn_server(log_path: Path, ready_url: str, cache_url: str | None = None):
    """gunicorn serving volunteer_portal.bench_wsgi on a free localhost port, with
    production's settings and this process's database and secret key (the sessions made
    here must be valid there); yields the port once ``ready_url`` answers 200, and stops
    the server however the block ends. It shares our process group, so Ctrl-C reaches it
    too."""
    port = _free_port()
    environment = {**os.environ, **SERVER_ENVIRONMENT, "SECRET_KEY": settings.SECRET_KEY}
    if cache_url:
        environment["CACHE_URL"] = cache_url
    command = [sys.executable, "-m", "gunicorn", "volunteer_portal.bench_wsgi",
               "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
               "--worker-class", "sync", "--timeout", "60", "--graceful-timeout", "5"]  # fmt: skip
    with open(log_path, "wb") as log, _sigterm_as_exit():
        process = subprocess.Popen(  # noqa: S603 - our own command line
            command, cwd=settings.BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(process, port, _request(port, ready_url), log_path)
            yield port
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_ready(process: subprocess.Popen, port: int, request: bytes, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            status = _fetch(port, request)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        break
    log = log_path.read_text(errors="replace")[-3000:]
    raise CommandError(f"gunicorn did not answer 200 on port {port}:\n{log}")


def _targets(port: int, cookies: dict[str, str]) -> list[Target]:
    bare = reverse("bench-bare", urlconf="volunteer_portal.bench_urls")
    targets = [Target("bare view", "anonymous", bare, _request(port, bare), None)]
    for label, username, url in _throughput_pages():
        request = _request(port, url, cookies.get(username, ""))
        if username:
            targets.append(Target(label, f"logged in ({username})", url, request, GOAL_LOGGED_IN))
        else:
            targets.append(Target(label, "anonymous", url, request, GOAL_ANONYMOUS))
    return targets


def measure_throughput(
    *, rounds: int = THROUGHPUT_ROUNDS, seconds: float = THROUGHPUT_SECONDS,
    connections: int = CONNECTIONS, progress=None, verbose: bool = False,
) -> dict:  # fmt: skip
    """Requests per second of the key pages as a share of the bare view's, under gunicorn
    with WORKERS sync workers on this machine.

    Each round measures the bare view, then each page followed by the bare view again, for
    ``seconds`` each; a page's ratio is its rate over the mean of the two bare rates around
    it, so a neighbour's load on a shared machine, which moves both, cancels out. The table
    gives the median ratio over the rounds.

    The load generator is Python (threads with blocking sockets, a new connection per
    request, as gunicorn's sync workers close each one), so it needs nothing installed. It
    uses CONNECTIONS parallel connections (two per worker, see there). Whether it keeps up
    shows in its CPU time during the bare view's runs, reported as ``generator_cpu`` (a
    share of one core, which is all a Python process gets for Python code): well under 1,
    and the server, not the generator, set the pace. On a machine with as many cores as
    workers the generator and the database still take CPU from the server, so the bare
    rate is the machine's, and so are the ratios: compare them within one run.
    """
    progress = progress or (lambda line: None)
    sessions = {name: _login_session(name) for name in ("coordinator", "volunteer")}
    cookies = {
        name: f"{settings.SESSION_COOKIE_NAME}={s.session_key}" for name, s in sessions.items()
    }
    try:
        with tempfile.TemporaryDirectory(prefix="bench-gunicorn-") as folder:
            bare_url = reverse("bench-bare", urlconf="volunteer_portal.bench_urls")
            cache_url = shared_cache_url()
            with gunicorn_server(Path(folder) / "gunicorn.log", bare_url, cache_url) as port:
                targets = _targets(port, cookies)
                figures = _rounds(port, targets, rounds, seconds, connections, progress, verbose)
                figures["cache"] = "Redis, shared" if cache_url else "each process its own"
                return figures
    finally:
        for session in sessions.values():
            session.delete()


def _rounds(port, targets, rounds, seconds, connections, progress, verbose) -> dict:
    for target in targets:  # warm: every worker's templates, connections and caches
        status = _fetch(port, target.request)
        if status != 200:
            raise CommandError(f"{target.label} ({target.who}) answered {status}: {target.url}")
        _run_load(port, target.request, min(seconds, 1.0), connections)
    bare, pages = targets[0], targets[1:]
    bare_loads: list[Load] = []
    page_loads: dict[int, list[Load]] = {i: [] for i in range(len(pages))}
    ratios: dict[int, list[float]] = {i: [] for i in range(len(pages))}
    for number in range(1, rounds + 1):
        before = _run_load(port, bare.request, seconds, connections)
        bare_loads.append(before)
        for i, page in enumerate(pages):
            load = _run_load(port, page.request, seconds, connections)
            after = _run_load(port, bare.request, seconds, connections)
            bare_loads.append(after)
            page_loads[i].append(load)
            ratios[i].append(load.rps / ((before.rps + after.rps) / 2))
            if verbose:
                progress(
                    f"  {page.label} ({page.who}): {load.rps:.1f} requests/s, bare "
                    f"{before.rps:.0f} → {after.rps:.0f}: {ratios[i][-1]:.1%}"
                )
            before = after
        progress(f"round {number}/{rounds}: bare view {before.rps:.0f} requests/s")
    rows = [_row(bare, bare_loads, [1.0])]
    for i, page in enumerate(pages):
        rows.append(_row(page, page_loads[i], ratios[i]))
    return {
        "workers": WORKERS,
        "connections": connections,
        "rounds": rounds,
        "seconds": seconds,
        "generator_cpu": round(max(load.generator_cpu for load in bare_loads), 2),
        "pages": rows,
    }


def _row(target: Target, loads: list[Load], ratios: list[float]) -> dict:
    percent = round(statistics.median(ratios) * 100, 1)
    return {
        "page": target.label,
        "who": target.who,
        "url": target.url,
        "rps": round(statistics.median(load.rps for load in loads), 1),
        "percent": percent,
        "percent_per_round": [round(ratio * 100, 1) for ratio in ratios],
        "goal": target.goal,
        "met": None if target.goal is None else percent >= target.goal,
        "failed": sum(load.failed for load in loads),
    }


def throughput_table(figures: dict) -> list[str]:
    lines = [
        "| page | who | requests/s | % of bare | goal | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in figures["pages"]:
        goal = "" if row["goal"] is None else f"≥ {row['goal']} %"
        met = "" if row["met"] is None else ("yes" if row["met"] else "no")
        rps = f"{row['rps']:.0f}" if row["rps"] >= 100 else f"{row['rps']:.1f}"
        lines.append(
            f"| {row['page']} | {row['who']} | {rps} | {row['percent']:.1f} % | {goal} | {met} |"
        )
    lines.append("")
    lines.append(
        f"gunicorn, {figures['workers']} sync workers; {figures['connections']} connections; "
        f"median of {figures['rounds']} rounds of {figures['seconds']:g} s per page; load "
        f"generator at most {figures['generator_cpu']:.0%} of a core; cache: "
        f"{figures.get('cache', 'each process its own')}."
    )
    if figures["generator_cpu"] > GENERATOR_CPU_WARNING:
        lines.append("Warning: the load generator may have limited the bare view's rate.")
    failed = [f"{row['page']} ({row['who']})" for row in figures["pages"] if row["failed"]]
    if failed:
        lines.append("Warning: requests failed (not answered 200) on: " + ", ".join(failed))
    return lines


class Command(BaseCommand):
    help = "Time the main pages on this database, or their throughput (for make bench)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write the figures to this JSON file.")
        parser.add_argument(
            "--compare",
            nargs=2,
            metavar=("SMALL", "LARGE"),
            help="Print the table from JSON files (several runs: comma-separated).",
        )
        parser.add_argument(
            "--throughput",
            action="store_true",
            help="Measure requests per second under gunicorn instead of timing the pages.",
        )
        parser.add_argument(
            "--seconds",
            type=float,
            default=THROUGHPUT_SECONDS,
            help="How long each throughput measurement lasts (default %(default)s).",
        )
        parser.add_argument("--rounds", type=int, default=THROUGHPUT_ROUNDS)
        parser.add_argument("--connections", type=int, default=CONNECTIONS)
        parser.add_argument(
            "--people",
            type=int,
            default=500,
            help="Sign-ups of the activity whose attendance and participants are timed.",
        )

    def handle(self, *args, output=None, compare=None, throughput=False, **options):
        if compare:
            small, large = (_load(path) for path in compare)
            self.stdout.write("\n".join(compare_table(small, large)))
            return
        if connection.vendor != "postgresql":
            raise CommandError("Benchmark on PostgreSQL (set DATABASE_URL).")
        if throughput:
            results = measure_throughput(
                rounds=options["rounds"],
                seconds=options["seconds"],
                connections=options["connections"],
                progress=self.stdout.write,
                verbose=options["verbosity"] >= 2,
            )
            self.stdout.write("\n".join(throughput_table(results)))
        else:
            results = self._timings(options["people"])
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                json.dump(results, handle, ensure_ascii=False, indent=1)

    def _timings(self, people: int) -> dict:
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        # Production settings, but static files named as collected or not (no manifest).
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        # The pages as rendered: the anonymous visitors' page cache (which the throughput
        # run keeps on) would time a cache hit, whatever the data's size.
        with override_settings(
            ALLOWED_HOSTS=hosts,
            SECURE_SSL_REDIRECT=False,
            DEBUG=False,
            STORAGES=storages,
            PAGE_CACHE_SECONDS=0,
            # Whole-list counts kept between views, as production keeps them in its shared
            # cache (one process's own memory is exact for one process); the first view
            # after a change counts again.
            QUERY_CACHE_SECONDS=300,
        ):
            results = measure(people)
        for label, figures in results.items():
            self.stdout.write(
                f"{label:24} {figures['status']} {figures['queries']:3} queries "
                f"{figures['ms']:8.1f} ms"
            )
        return results
