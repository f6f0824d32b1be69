from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activities")

    def ready(self):
        from activities import permissions  # noqa: F401 - registers the policies for {% allowed %}
        from activities.personal_data import contribute_to_personal_data

        contribute_to_personal_data()
