from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("Service groups")

    def ready(self):
        from groups import permissions  # noqa: F401 - registers the policies for {% allowed %}
        from groups.selectors import contribute_to_member_pages

        contribute_to_member_pages()

        from django.db.models.signals import post_delete, post_save

        from groups.models import Organisation

        for signal in (post_save, post_delete):
            signal.connect(Organisation.forget, sender=Organisation, dispatch_uid="organisation")
