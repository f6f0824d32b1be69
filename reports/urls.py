from django.urls import path

from reports.views import ledger, report

app_name = "reports"

urlpatterns = [
    # Admins (every group) and coordinators (theirs): the figures, and as a spreadsheet.
    path("", report.ReportView.as_view(), name="report"),
    path("report.xlsx", report.report_xlsx, name="report-xlsx"),
    # Admins: every approved hours entry, for the national volunteer record system.
    path("ledger/", ledger.LedgerView.as_view(), name="ledger"),
]
