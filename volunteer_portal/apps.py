from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteerPortalConfig(AppConfig):
    name = "volunteer_portal"
    verbose_name = _("Volunteer portal")
