from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from django.db.backends.signals import connection_created

        from members import permissions  # noqa: F401 - registers the policies for {% allowed %}
        from members.selectors import register_name_collation

        connection_created.connect(register_name_collation)
