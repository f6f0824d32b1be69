from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteerPortalConfig(AppConfig):
    name = "volunteer_portal"
    verbose_name = _("Volunteer portal")

    def ready(self):
        from django.core import checks

        checks.register(secret_key_is_set, checks.Tags.security, deploy=True)


def secret_key_is_set(app_configs, **kwargs):
    from django.conf import settings
    from django.core.checks import Error

    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [
            Error(
                "SECRET_KEY is not set in the environment.",
                hint="Set a long random SECRET_KEY; see README.md, Deploying to production.",
                id="volunteer_portal.E001",
            )
        ]
    return []
