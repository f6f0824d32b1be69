from django.urls import path

from groups import views

app_name = "groups"

urlpatterns = [
    path("", views.GroupListView.as_view(), name="group-list"),
    path("<slug:slug>/", views.GroupDetailView.as_view(), name="group-detail"),
    path("<slug:slug>/edit/", views.GroupUpdateView.as_view(), name="group-edit"),
]
