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
