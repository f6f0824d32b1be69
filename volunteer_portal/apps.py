from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteerPortalConfig(AppConfig):
    name = "volunteer_portal"
    verbose_name = _("Volunteer portal")

    def ready(self):
        from django.core import checks

        checks.register(secret_key_is_set, checks.Tags.security, deploy=True)
        # Tagged security, not database: Django skips database-tagged checks unless
        # `check --database` is given.
        checks.register(database_url_is_set, checks.Tags.security, deploy=True)


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


def database_url_is_set(app_configs, **kwargs):
    from django.conf import settings
    from django.core.checks import Error

    if getattr(settings, "DATABASE_URL_MISSING", False) and not settings.DEBUG:
        return [
            Error(
                "DATABASE_URL is not set in the environment, so production would run on "
                "the local SQLite trial database.",
                hint="Set DATABASE_URL to the PostgreSQL database; see README.md, "
                "Deploying to production.",
                id="volunteer_portal.E002",
            )
        ]
    return []
