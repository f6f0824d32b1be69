"""Issue 10: `seed_demo --requests N` makes fictional requests in every state, once."""

from django.core.management import call_command

from service_requests.models import ServiceRequest
from volunteer_portal.models import OutgoingEmail


def test_the_demo_has_requests_in_every_state(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", password="demo-pass-x", members=0, activities=0, requests=8)
    states = set(ServiceRequest.objects.values_list("status", flat=True))
    assert states == set(ServiceRequest.Status.values)
    assert not OutgoingEmail.objects.exists()  # fictional people are never emailed
    call_command("seed_demo", password="demo-pass-x", members=0, activities=0, requests=8)
    assert ServiceRequest.objects.count() == 8  # again: nothing more
    accepted = ServiceRequest.objects.filter(activity__isnull=False)
    assert accepted.exists() and all(r.activity.group == r.group for r in accepted)


def test_the_demo_requests_span_a_year_and_are_served(db, settings):
    """Requests arrive over the last year by every channel and from most districts; the
    completed ones were completed days after they came (the reports' median), their
    volunteers' hours recorded; ratings are mostly four or five stars; each request's
    history runs from its arrival to its state, move by move."""
    import datetime
    import statistics

    from django.utils import timezone

    from activities.models import Activity, ServiceHours, SignUp
    from service_requests.models import RequestEvent

    settings.DEBUG = True
    call_command("seed_demo", password="demo-pass-x", members=60, activities=0, requests=60)
    now = timezone.now()
    requests = list(ServiceRequest.objects.select_related("activity"))
    assert all(now - r.created_at < datetime.timedelta(days=366) for r in requests)
    assert len({timezone.localtime(r.created_at).strftime("%Y-%m") for r in requests}) >= 6
    assert {r.channel for r in requests} == set(ServiceRequest.Channel.values)
    assert len({r.district for r in requests}) >= 8

    done = [r for r in requests if r.completed_at]
    assert len(done) >= 30 and all(r.created_at < r.completed_at <= now for r in done)
    assert 3 <= statistics.median((r.completed_at - r.created_at).days for r in done) <= 30
    ratings = [r.rating for r in requests if r.rating]
    assert set(ratings) <= {1, 2, 3, 4, 5} and sum(r >= 4 for r in ratings) > 0.6 * len(ratings)
    rating_days = datetime.timedelta(days=settings.REQUEST_RATING_DAYS)
    assert not [r for r in done if r.status == "completed" and now - r.completed_at > rating_days]

    for request in requests:
        trail = list(request.history.order_by("history_date", "history_id"))
        assert trail[0].history_change_reason == RequestEvent.SUBMITTED
        assert trail[0].history_date == request.created_at
        assert [t.history_date for t in trail] == sorted(t.history_date for t in trail)
        assert trail[-1].status == request.status
        assert trail[-1].history_date == request.last_action_at <= now
        activity = request.activity
        if request.status == "withdrawn" and activity and request.closed_at < activity.starts_at:
            assert activity.status == Activity.Status.CANCELLED

    served = ServiceHours.objects.filter(signup__activity__service_request__in=done)
    assert served.filter(status=ServiceHours.Status.APPROVED).count() >= 20
    for entry in served.select_related("signup__activity"):
        assert entry.signup.status == SignUp.Status.CONFIRMED and entry.signup.attended
        assert entry.signup.activity.status == Activity.Status.COMPLETED
        assert entry.approved_at is None or entry.approved_at >= entry.signup.activity.ends_at
