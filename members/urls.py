from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("", views.TalentSearchView.as_view(), name="member-list"),
    path("me/edit/", views.MeEditView.as_view(), name="me-edit"),
    path("me/data.json", views.me_data, name="me-data"),
    path("me/delete/", views.me_request_deletion, name="me-delete"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("<int:pk>/edit/", views.MemberEditView.as_view(), name="member-edit"),
    path("<int:pk>/photo/", views.member_photo, name="member-photo"),
    path(
        "<int:pk>/photo/thumbnail/",
        views.member_photo,
        {"size": "thumbnail"},
        name="member-photo-thumbnail",
    ),
    path("<int:pk>/status/", views.member_set_status, name="member-status"),
    path("<int:pk>/invite/", views.member_invite, name="member-invite"),
    path("invitations/<int:pk>/", views.InvitationDetailView.as_view(), name="invitation-detail"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
]
