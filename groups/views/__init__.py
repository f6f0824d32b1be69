"""Group pages (``pages``), the roster (``roster``) and its background jobs (``jobs``)."""

from groups.views.jobs import RosterJobView, roster_job_file, roster_job_status
from groups.views.pages import (
    MANAGE_GROUP,
    ApplicationListView,
    ApplyView,
    GroupDetailView,
    GroupListView,
    GroupUpdateView,
    ManagesGroup,
    application_decide,
    membership_end,
)
from groups.views.roster import (
    MemberAddView,
    RosterExportView,
    RosterImportView,
    RosterView,
    import_template,
    roster_import_confirm,
)

__all__ = [
    "MANAGE_GROUP",
    "ApplicationListView",
    "ApplyView",
    "GroupDetailView",
    "GroupListView",
    "GroupUpdateView",
    "ManagesGroup",
    "MemberAddView",
    "RosterExportView",
    "RosterImportView",
    "RosterJobView",
    "RosterView",
    "application_decide",
    "import_template",
    "membership_end",
    "roster_import_confirm",
    "roster_job_file",
    "roster_job_status",
]
