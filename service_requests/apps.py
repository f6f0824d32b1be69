from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "service_requests"
    verbose_name = _("Service requests")

    def ready(self):
        from activities.selectors import ACTIVITY_PAGE_PANELS
        from service_requests import permissions  # noqa: F401 - registers the policy
        from service_requests.queues import requester_panel

        ACTIVITY_PAGE_PANELS.append(requester_panel)
