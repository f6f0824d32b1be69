"""Reports keep no data of their own: every figure is computed from the other apps' tables.
The one model here carries the Django permissions that admin staff are given to read
every group's reports and to export the hours ledger (no table: ``managed = False``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("report access")
        permissions = [
            ("view_reports", _("Can view every group's impact reports")),
            ("export_hours_ledger", _("Can export the hours ledger")),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
