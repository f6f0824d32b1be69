"""Issue 11: the public summary of impact (reports/summary.py, /about/impact/ and the home
page's band): figures checked against a hand-computed world, no names on the page, a fixed
number of queries, and a cache that is dropped when hours are approved or a request is
completed."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity, ServiceHours
from members.models import Member
from reports import periods, summary
from reports.summary import Both, Figures, impact_summary
from service_requests import services as request_services
from service_requests.models import ServiceRequest
from tests.factories import ActivityFactory, MemberFactory, ServiceGroupFactory, SignUpFactory

S = ServiceRequest.Status
A = Activity.Status
H = Decimal


def year_start() -> datetime.datetime:
    return periods.quick_pick(periods.THIS_YEAR).start_at


def this_year(share: float) -> datetime.datetime:
    """A moment this year and before now (``share`` of the way from 1 January to now), so
    the test holds on any day, 1 January included."""
    return year_start() + (timezone.now() - year_start()) * share


def last_year() -> datetime.datetime:
    return year_start() - datetime.timedelta(days=60)


def held(group, starts_at, status=A.COMPLETED, beneficiaries=None, **fields):
    """An activity that has ended (it starts at ``starts_at``)."""
    ends_at = (
        this_year(0.5) if starts_at >= year_start() else starts_at + datetime.timedelta(hours=3)
    )
    return ActivityFactory(
        group=group,
        status=status,
        starts_at=starts_at,
        ends_at=ends_at,
        beneficiaries=beneficiaries,
        **fields,
    )


def approved(activity, member, hours) -> ServiceHours:
    signup = SignUpFactory(activity=activity, member=member, attended=True)
    return ServiceHours.objects.create(
        signup=signup, hours=H(hours), status="approved", approved_at=timezone.now()
    )


def a_request(group, status, *, completed_at=None, **fields) -> ServiceRequest:
    defaults = {
        "requester_name": "林阿姨",
        "phone": "13712345678",
        "district": "longwen",
        "description": "想学习网上销售芦柑。",
    }
    return ServiceRequest.objects.create(
        **{**defaults, **fields}, group=group, status=status, completed_at=completed_at
    )


@pytest.fixture
def world(ecommerce, culture, coordinator):
    """Hand-computed (the expected figures are in the tests below):

    e-commerce: A1 last year (beneficiaries 10; m1 2 h, m2 3 h corrected to 4 h), A2 this
    year (5; m1 1.5 h, m3 2 h only proposed, m4 2 h but m4 has left), a cancelled, a future
    and a draft activity (none counts), A6 and A7 this year (the activities of R1 and R6);
    requests R1 rated 5 this year (8 served, its activity said 7), R2 closed, completed last
    year (20), R3 rated 2 this year (none reported), R6 completed this year (none reported,
    its activity 6), a withdrawn and an open one (neither counts).
    culture: A8 this year (no beneficiaries reported; m1 1 h), R7 rated 4 last year (3).
    An inactive group: A9 last year (1; m5 1 h). Agriculture: nothing at all.
    """
    m1, m2, m3, m5 = (MemberFactory(full_name=name) for name in ("甲志愿者", "乙", "丙", "戊"))
    m4 = MemberFactory(full_name="丁", status=Member.Status.INACTIVE)
    a1 = held(ecommerce, last_year(), beneficiaries=10)
    approved(a1, m1, "2")
    wrong = approved(a1, m2, "3")
    activity_services.hours_correct(actor=coordinator, signup=wrong.signup, hours=H("4"), note="")
    a2 = held(ecommerce, this_year(0.25), status=A.PUBLISHED, beneficiaries=5)
    approved(a2, m1, "1.5")
    ServiceHours.objects.create(signup=SignUpFactory(activity=a2, member=m3), hours=H("2"))
    approved(a2, m4, "2")
    held(ecommerce, this_year(0.25), status=A.CANCELLED, beneficiaries=100)
    ActivityFactory(group=ecommerce, beneficiaries=100)  # published, still to come
    held(ecommerce, this_year(0.25), status=A.DRAFT, beneficiaries=100)
    a6 = held(ecommerce, this_year(0.3), beneficiaries=7)
    a7 = held(ecommerce, this_year(0.3), beneficiaries=6)
    a_request(ecommerce, S.RATED, completed_at=this_year(0.6), activity=a6, people_served=8,
              rating=5)  # fmt: skip
    a_request(ecommerce, S.CLOSED, completed_at=last_year(), people_served=20)
    a_request(ecommerce, S.RATED, completed_at=this_year(0.6), rating=2)
    a_request(ecommerce, S.COMPLETED, completed_at=this_year(0.6), activity=a7)
    a_request(ecommerce, S.WITHDRAWN, people_served=50, rating=1)
    a_request(ecommerce, S.IN_SERVICE, people_served=50)
    a8 = held(culture, this_year(0.25))
    approved(a8, m1, "1")
    a_request(culture, S.RATED, completed_at=last_year(), people_served=3, rating=4)
    gone = ServiceGroupFactory(is_active=False)
    approved(held(gone, last_year(), beneficiaries=1), m5, "1")
    return {"m1": m1, "gone": gone}


def test_each_groups_figures_since_the_founding_and_this_year(world, ecommerce, culture):
    figures = summary.compute(periods.quick_pick(periods.THIS_YEAR))
    assert figures.for_group(ecommerce.pk) == Both(
        # volunteers m1 and m2 (m4 has left); 2 + 4 + 1.5 + 2 hours, the corrected 3 h
        # not counted; people: 10 + 5 from activities, 8 + 20 + 0 + 6 from requests
        ever=Figures(
            volunteers=2, activities=4, hours=H("9.5"), people_served=49,
            requests_completed=4, rating_sum=7, rating_count=2,
        ),
        year=Figures(
            volunteers=1, activities=3, hours=H("3.5"), people_served=19,
            requests_completed=3, rating_sum=7, rating_count=2,
        ),
    )  # fmt: skip
    assert figures.for_group(culture.pk) == Both(
        ever=Figures(volunteers=1, activities=1, hours=H("1"), people_served=3,
                     requests_completed=1, rating_sum=4, rating_count=1),
        year=Figures(volunteers=1, activities=1, hours=H("1")),
    )  # fmt: skip
    assert figures.for_group(ecommerce.pk).ever.average_rating == H("3.5")
    assert figures.for_group(culture.pk).year.average_rating is None


def test_the_totals_count_a_volunteer_of_two_groups_once_and_include_inactive_groups(world):
    figures = impact_summary()
    assert figures.total == Both(
        ever=Figures(
            volunteers=3, activities=6, hours=H("11.5"), people_served=53,
            requests_completed=5, rating_sum=11, rating_count=3,
        ),
        year=Figures(
            volunteers=1, activities=4, hours=H("4.5"), people_served=19,
            requests_completed=3, rating_sum=7, rating_count=2,
        ),
    )  # fmt: skip
    assert figures.total.ever.average_rating == H("3.7")  # 11 / 3, one decimal
    assert figures.year == timezone.localdate().year


def test_an_empty_group_shows_zeros_and_an_inactive_group_no_row(world, client):
    page = client.get(reverse("impact"))
    rows = page.context["tables"][0]["rows"]
    shown = [group.slug if group else None for group, _figures in rows]
    assert shown == ["agriculture", "ecommerce", "industry", "culture", "finance-tax", None]
    agriculture = dict((g.slug, f) for g, f in rows if g)["agriculture"]
    assert agriculture == Figures() and agriculture.average_rating is None
    body = page.content.decode()
    assert world["gone"].name not in body
    row = re.search(r'<tr data-group="agriculture">(.*?)</tr>', body, re.S).group(1)
    assert re.findall(r'data-label="[^"]*">([^<]*)</td>', row) == ["0", "0", "0", "0", "0", "—"]


def test_the_page_shows_the_totals_and_names_no_one(world, client):
    body = client.get(reverse("impact")).content.decode()
    assert re.search(r'id="impact-ever-hours">11\.5<', body)
    assert re.search(r'id="impact-ever-rating">3\.7<', body)
    assert re.search(r'id="impact-year-people-served">19<', body)
    for name in (world["m1"].full_name, "林阿姨", "13712345678", "想学习网上销售芦柑"):
        assert name not in body
    home = client.get(reverse("home")).content.decode()
    assert re.search(r'id="home-impact-volunteers">3<', home)
    assert re.search(r'id="home-impact-activities">6<', home)
    assert f'href="{reverse("impact")}"' in home
    assert world["m1"].full_name not in home


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "coordinator", "admin"])
def test_every_role_reads_the_page(role, client_for, world):
    response = client_for(role).get(reverse("impact"))
    assert response.status_code == 200
    assert world["m1"].full_name not in response.content.decode()


def test_the_page_is_in_english_too(world, client):
    client.cookies["django_language"] = "en"
    body = client.get(reverse("impact")).content.decode()
    assert "Our impact" in body and "How we count" in body
    assert f"In {timezone.localdate().year}" in body


def test_a_page_without_any_data_shows_zeros_and_a_dash(client, db):
    body = client.get(reverse("impact")).content.decode()
    assert re.search(r'id="impact-ever-volunteers">0<', body)
    assert re.search(r'id="impact-ever-rating">—<', body)


# --- The cache -----------------------------------------------------------------------------


def test_the_figures_are_cached_and_a_second_reader_runs_no_query(world, ecommerce):
    first = impact_summary()
    ServiceHours.objects.filter(is_current=True).update(hours=H("9"))  # behind the services
    with CaptureQueriesContext(connection) as queries:
        again = impact_summary()
    assert len(queries) == 0
    assert again == first  # cached: unchanged until a service says otherwise, or an hour


def test_approving_hours_refreshes_the_figures_after_the_commit(
    world, ecommerce, coordinator, django_capture_on_commit_callbacks
):
    before = impact_summary().total.ever.hours
    activity = held(ecommerce, this_year(0.2))
    signup = SignUpFactory(activity=activity, member=MemberFactory(), attended=True)
    entry = activity_services.hours_propose(actor=coordinator, signup=signup, hours=H("2.5"))
    assert impact_summary().total.ever.hours == before  # proposed hours change nothing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        activity_services.hours_approve(actor=coordinator, activity=activity, entry_ids=[entry.pk])
    assert callbacks
    assert impact_summary().total.ever.hours == before + H("2.5")
    assert impact_summary().total.ever.volunteers == 4


def test_a_correction_refreshes_the_figures(
    world, ecommerce, coordinator, django_capture_on_commit_callbacks
):
    before = impact_summary().for_group(ecommerce.pk).ever.hours
    entry = ServiceHours.objects.get(signup__member=world["m1"], hours=H("1.5"))
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.hours_correct(
            actor=coordinator, signup=entry.signup, hours=H("3"), note="补记"
        )
    assert impact_summary().for_group(ecommerce.pk).ever.hours == before + H("1.5")


def test_completing_and_rating_a_request_refresh_the_figures(
    ecommerce, coordinator, django_capture_on_commit_callbacks
):
    request = a_request(ecommerce, S.IN_SERVICE)
    assert impact_summary().total.ever.requests_completed == 0
    with django_capture_on_commit_callbacks(execute=True):
        request_services.request_complete(
            actor=coordinator, request=request, delivery_notes="讲了两次课", people_served=30
        )
    after = impact_summary().total
    assert (after.ever.requests_completed, after.year.people_served) == (1, 30)
    with django_capture_on_commit_callbacks(execute=True):
        request_services.request_rate(request=request, rating=4)
    assert impact_summary().total.year.average_rating == H("4.0")


def test_a_request_moved_without_completing_keeps_the_cache(
    ecommerce, coordinator, django_capture_on_commit_callbacks
):
    request = a_request(ecommerce, S.ACCEPTED)
    impact_summary()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request_services.request_start(actor=coordinator, request=request)
    assert not [c for c in callbacks if getattr(c, "__module__", "") == "reports.summary"]
    assert cache.get(summary.cache_key(timezone.localdate().year)) is not None


def test_a_new_year_starts_from_an_entry_of_its_own():
    assert summary.cache_key(2025) != summary.cache_key(2026)


# --- A fixed number of queries ---------------------------------------------------------------


def grow(n, group, coordinator):
    for index in range(n):
        activity = held(group, this_year(0.2), beneficiaries=index)
        approved(activity, MemberFactory(), "1")
        a_request(group, S.RATED, completed_at=this_year(0.4), people_served=2, rating=3)


def figures_and_queries():
    with CaptureQueriesContext(connection) as queries:
        figures = summary.compute(periods.quick_pick(periods.THIS_YEAR))
    return figures, len(queries)


def test_the_figures_take_four_queries_at_any_size(ecommerce, culture, coordinator):
    grow(5, ecommerce, coordinator)
    small, at_5 = figures_and_queries()
    grow(45, culture, coordinator)
    large, at_50 = figures_and_queries()
    assert at_5 == at_50 == 4  # activities, requests, hours by group; volunteers overall
    assert (small.total.ever.activities, large.total.ever.activities) == (5, 50)
    assert large.total.year.people_served == sum(range(5)) + sum(range(45)) + 2 * 50


def test_the_page_and_the_home_page_run_as_many_queries_at_both_sizes(
    client, ecommerce, culture, coordinator
):
    def count(url):
        summary.invalidate()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    grow(5, ecommerce, coordinator)
    small = count(reverse("impact")), count(reverse("home"))
    grow(45, culture, coordinator)
    assert (count(reverse("impact")), count(reverse("home"))) == small


def test_figures_computed_before_a_change_are_never_read_after_it(ecommerce, monkeypatch):
    """A reader computes (slowly) while hours are approved: the change moves the cache on
    before the reader stores its figures, which then sit under the old generation."""
    real_compute = summary.compute

    def slow_compute(period):
        figures = real_compute(period)
        summary.invalidate()  # the approval commits while this reader is still working
        return figures

    monkeypatch.setattr(summary, "compute", slow_compute)
    impact_summary()
    monkeypatch.setattr(summary, "compute", real_compute)
    with CaptureQueriesContext(connection) as queries:
        impact_summary()
    assert len(queries) > 0  # computed afresh: the stale figures were not served
