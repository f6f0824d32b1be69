"""Activity pages, by sub-domain (see each module). Every view declares its policy and
action (``PolicyMixin`` or ``policy_required``); none checks a role in its body."""

from activities.views.attendance import AttendanceView, CheckinView, QRCodeView, qr_refresh
from activities.views.hours import (
    HoursView,
    correction_decide,
    correction_request,
    hours_approve,
    hours_correct,
    hours_fill,
    hours_set,
)
from activities.views.lifecycle import (
    ActivityCompleteView,
    ActivityCreateView,
    ActivityUpdateView,
    GroupDashboardView,
    PhotoUploadView,
    activity_cancel,
    activity_copy,
    activity_publish,
)
from activities.views.listing import ActivityDetailView, ActivityListView, BrandDetailView
from activities.views.records import (
    MyPageView,
    certificate_issue,
    certificate_lookup,
    certificate_print,
    certificate_verify,
    feed_group,
    feed_personal,
    feed_regenerate,
    my_activities,
)
from activities.views.signups import (
    ParticipantsView,
    accept_offer,
    cancel_signup,
    participant_change,
    signup,
)

__all__ = [
    "ActivityCompleteView", "ActivityCreateView", "ActivityDetailView", "ActivityListView",
    "ActivityUpdateView", "AttendanceView", "BrandDetailView", "CheckinView",
    "GroupDashboardView", "HoursView", "MyPageView", "ParticipantsView", "PhotoUploadView",
    "QRCodeView", "accept_offer", "activity_cancel", "activity_copy", "activity_publish",
    "cancel_signup", "certificate_issue", "certificate_lookup", "certificate_print",
    "certificate_verify", "correction_decide", "correction_request", "feed_group",
    "feed_personal", "feed_regenerate", "hours_approve", "hours_correct", "hours_fill",
    "hours_set", "my_activities", "participant_change", "qr_refresh", "signup",
]  # fmt: skip
