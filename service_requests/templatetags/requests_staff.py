"""``{% group_requests_box group %}``: a group's open service requests on its dashboard.

A tag of this app, so the dashboard (``activities``, below this app) shows the box without
importing it; the box shows only to those the policy lets see the queues."""

from django import template

from service_requests import queues
from service_requests.permissions import request_policy

register = template.Library()


@register.inclusion_tag("service_requests/_dashboard_box.html", takes_context=True)
def group_requests_box(context, group):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not request_policy.can_queue(user):
        return {"shown": False}
    return {"shown": True, "group": group, "counts": queues.group_counts(group)}
