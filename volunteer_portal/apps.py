from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteerPortalConfig(AppConfig):
    name = "volunteer_portal"
    verbose_name = _("Volunteer portal")

    def ready(self):
        from django.core import checks

        from volunteer_portal import page_cache

        page_cache.connect()

        checks.register(secret_key_is_set, checks.Tags.security, deploy=True)
        # Tagged security, not database: Django skips database-tagged checks unless
        # `check --database` is given.
        checks.register(database_url_is_set, checks.Tags.security, deploy=True)
        checks.register(invitation_age_is_positive)
        checks.register(state_is_shared, checks.Tags.caches, deploy=True)


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


def invitation_age_is_positive(app_configs, **kwargs):
    from django.conf import settings
    from django.core.checks import Error

    if settings.INVITATION_MAX_AGE_DAYS < 1:
        return [
            Error(
                "INVITATION_MAX_AGE_DAYS must be at least 1.",
                hint="Invitation links would expire as they are made; the default is 14.",
                id="volunteer_portal.E003",
            )
        ]
    return []


def state_is_shared(app_configs, **kwargs):
    """Production runs several processes (gunicorn's workers, more servers): what they
    must agree on (rate limits, sessions kept in the cache, the page cache's generation)
    needs a cache they share."""
    from django.conf import settings
    from django.core.checks import Warning

    if settings.DEBUG or settings.CACHE_IS_SHARED:
        return []
    return [
        Warning(
            "The cache is in each process's memory, so with several app processes or "
            "servers each keeps its own rate limits and kept pages.",
            hint="Set REDIS_URL (or CACHE_URL); see README.md, Deploying to production.",
            id="volunteer_portal.W004",
        )
    ]
