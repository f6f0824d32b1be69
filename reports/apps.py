from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.db.models.signals import post_save

        from activities.models import Activity
        from activities.services.hours import HOURS_APPROVED_HOOKS
        from reports import summary
        from service_requests.models import ServiceRequest

        # The public summary's cache is dropped after the commit of what changes it.
        HOURS_APPROVED_HOOKS.append(summary.invalidate)
        post_save.connect(summary.request_saved, sender=ServiceRequest, dispatch_uid="impact-req")
        post_save.connect(summary.activity_saved, sender=Activity, dispatch_uid="impact-act")
