"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from volunteer_portal import permissions


def portal(request):
    """The organisation and the user's roles, evaluated lazily: unused, they cost nothing."""
    from groups.models import Organisation
    from members.permissions import member_policy

    context = {
        "organisation": SimpleLazyObject(Organisation.current),
    }
    user = getattr(request, "user", None)
    if user is None:
        return context
    return {
        **context,
        "can_search_talent": SimpleLazyObject(lambda: member_policy.can_search(user)),
        "can_use_admin_site": SimpleLazyObject(lambda: permissions.can_use_admin_site(user)),
        # The service requests' queues (admins, coordinators): the policy decides.
        "can_see_requests": SimpleLazyObject(lambda: _can_see_requests(user)),
        # The impact reports (admins, coordinators): the policy decides.
        "can_see_reports": SimpleLazyObject(lambda: _can_see_reports(user)),
        # The requests board (members of a group; linked from "My page", not the navigation,
        # which would cost every page a query): the policy decides.
        "can_see_board": SimpleLazyObject(lambda: _can_see_board(user)),
        "managed_group_ids": SimpleLazyObject(lambda: permissions.managed_group_ids(user)),
        # The groups a coordinator leads, for the navigation (admins use Django admin):
        # from the query that found which they are.
        "coordinated_groups": SimpleLazyObject(lambda: permissions.managed_groups(user)),
    }


def _can_see_requests(user) -> bool:
    from service_requests.permissions import request_policy

    return request_policy.can_queue(user)


def _can_see_board(user) -> bool:
    from service_requests.permissions import request_policy

    return request_policy.has_board(user)


def _can_see_reports(user) -> bool:
    from reports.permissions import report_policy

    return report_policy.can_view(user)
