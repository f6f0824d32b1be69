"""Who may read which reports.

=======================  ==========================================================
``report_policy``
``scope_view``           the groups whose figures the user may read: admins (with
                         ``reports.view_reports``) every group; coordinators the
                         groups they lead; nobody else any
``can_view``             ``/reports/``: admins and coordinators (a volunteer: 403)
``can_ledger``           the hours ledger (every approved entry, with phones and
                         identity numbers): admins with ``reports.export_hours_ledger``
``sees_full_ids``        the ledger's identity numbers in full: admins who may change
                         members (as in the roster export); masked for the others
``names_top_volunteers`` the names in the "most hours" table: whoever reads the report
                         (admins and coordinators); the public summary names no one
=======================  ==========================================================
"""

from __future__ import annotations

from groups.models import ServiceGroup
from volunteer_portal.permissions import Policy, is_admin, managed_group_ids

VIEW_PERM = "reports.view_reports"
LEDGER_PERM = "reports.export_hours_ledger"


class ReportPolicy(Policy):
    model = None  # reports are about groups; nothing to register for {% allowed %}

    def scope_view(self, user):
        if is_admin(user, VIEW_PERM):
            return ServiceGroup.objects.all()
        return ServiceGroup.objects.filter(pk__in=managed_group_ids(user))

    def can_view(self, user, _obj=None) -> bool:
        return is_admin(user, VIEW_PERM) or bool(managed_group_ids(user))

    def sees_all_groups(self, user) -> bool:
        return is_admin(user, VIEW_PERM)

    def can_ledger(self, user, _obj=None) -> bool:
        return is_admin(user, LEDGER_PERM)

    def sees_full_ids(self, user) -> bool:
        return is_admin(user, "members.change_member")


report_policy = ReportPolicy()
