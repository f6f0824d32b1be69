from django.urls import path, register_converter

from activities import views
from volunteer_portal import page_cache


class _Change:
    regex = "remove|promote"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(_Change, "participantchange")

app_name = "activities"

urlpatterns = [
    path("activities/", page_cache.public(views.ActivityListView.as_view()), name="activity-list"),
    path(
        "activities/<int:pk>/",
        page_cache.public(views.ActivityDetailView.as_view()),
        name="activity-detail",
    ),
    path("activities/<int:pk>/signup/", views.signup, name="signup"),
    path("activities/<int:pk>/cancel/", views.cancel_signup, name="cancel"),
    path("activities/<int:pk>/accept/", views.accept_offer, name="accept-offer"),
    path("activities/brands/<int:pk>/", views.BrandDetailView.as_view(), name="brand-detail"),
    path(
        "groups/<slug:slug>/activities/new/",
        views.ActivityCreateView.as_view(),
        name="activity-create",
    ),
    path("groups/<slug:slug>/dashboard/", views.GroupDashboardView.as_view(), name="dashboard"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity-edit"),
    path("activities/<int:pk>/publish/", views.activity_publish, name="activity-publish"),
    path("activities/<int:pk>/cancel-activity/", views.activity_cancel, name="activity-cancel"),
    path("activities/<int:pk>/copy/", views.activity_copy, name="activity-copy"),
    path(
        "activities/<int:pk>/complete/",
        views.ActivityCompleteView.as_view(),
        name="activity-complete",
    ),
    path("activities/<int:pk>/photos/", views.PhotoUploadView.as_view(), name="photos"),
    path(
        "activities/<int:pk>/participants/", views.ParticipantsView.as_view(), name="participants"
    ),
    path(
        "activities/<int:pk>/participants/<int:signup_pk>/<participantchange:change>/",
        views.participant_change,
        name="participant-change",
    ),
    path("activities/<int:pk>/attendance/", views.AttendanceView.as_view(), name="attendance"),
    path("activities/<int:pk>/qr/", views.QRCodeView.as_view(), name="qr"),
    path("activities/<int:pk>/qr/refresh/", views.qr_refresh, name="qr-refresh"),
    path("activities/<int:pk>/hours/", views.HoursView.as_view(), name="hours"),
    path("activities/<int:pk>/hours/fill/", views.hours_fill, name="hours-fill"),
    path("activities/<int:pk>/hours/approve/", views.hours_approve, name="hours-approve"),
    path("activities/<int:pk>/hours/<int:signup_pk>/set/", views.hours_set, name="hours-set"),
    path(
        "activities/<int:pk>/hours/<int:signup_pk>/correct/",
        views.hours_correct,
        name="hours-correct",
    ),
    path(
        "activities/<int:pk>/corrections/<int:correction_pk>/decide/",
        views.correction_decide,
        name="correction-decide",
    ),
    path("checkin/<str:token>/", views.CheckinView.as_view(), name="checkin"),
    path(
        "members/me/corrections/<int:signup_pk>/",
        views.correction_request,
        name="correction-request",
    ),
    path("members/me/activities/", views.my_activities, name="my-activities"),
    path("members/me/certificate/", views.certificate_issue, name="certificate-issue"),
    path("members/me/calendar/", views.feed_regenerate, name="feed-regenerate"),
    path("certificates/", views.certificate_lookup, name="certificate-lookup"),
    path("certificates/<str:code>/", views.certificate_verify, name="certificate-verify"),
    path("certificates/<str:code>/print/", views.certificate_print, name="certificate-print"),
    path("feeds/groups/<slug:slug>.ics", views.feed_group, name="feed-group"),
    path("feeds/me/<str:token>.ics", views.feed_personal, name="feed-personal"),
]
