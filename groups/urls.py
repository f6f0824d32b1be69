from django.urls import path, register_converter

from groups import views
from volunteer_portal import page_cache


class _Choice:
    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class FileFormat(_Choice):
    regex = "csv|xlsx"


class Decision(_Choice):
    regex = "approve|reject"


register_converter(FileFormat, "fileformat")
register_converter(Decision, "decision")

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="group-list"),
    path("<slug:slug>/", page_cache.public(views.GroupDetailView.as_view()), name="group-detail"),
    path("<slug:slug>/edit/", views.GroupUpdateView.as_view(), name="group-edit"),
    path("<slug:slug>/apply/", views.ApplyView.as_view(), name="apply"),
    path("<slug:slug>/applications/", views.ApplicationListView.as_view(), name="applications"),
    path(
        "<slug:slug>/applications/<int:pk>/<decision:decision>/",
        views.application_decide,
        name="application-decide",
    ),
    path("<slug:slug>/memberships/<int:pk>/end/", views.membership_end, name="membership-end"),
    path("<slug:slug>/roster/", views.RosterView.as_view(), name="roster"),
    path(
        "<slug:slug>/roster/export.<fileformat:fmt>",
        views.RosterExportView.as_view(),
        name="roster-export",
    ),
    path("<slug:slug>/roster/add/", views.MemberAddView.as_view(), name="roster-add"),
    path("<slug:slug>/roster/import/", views.RosterImportView.as_view(), name="roster-import"),
    path(
        "<slug:slug>/roster/import/confirm/",
        views.roster_import_confirm,
        name="roster-import-confirm",
    ),
    path("<slug:slug>/roster/jobs/<uuid:pk>/", views.RosterJobView.as_view(), name="roster-job"),
    path(
        "<slug:slug>/roster/jobs/<uuid:pk>/status/",
        views.roster_job_status,
        name="roster-job-status",
    ),
    path("<slug:slug>/roster/jobs/<uuid:pk>/file/", views.roster_job_file, name="roster-job-file"),
    path(
        "<slug:slug>/roster/import/template.<fileformat:fmt>",
        views.import_template,
        name="roster-import-template",
    ),
]
