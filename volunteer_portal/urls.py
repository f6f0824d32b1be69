import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from activities import views as activity_views
from members import views as member_views
from reports.views import impact as impact_views
from volunteer_portal import files, page_cache, views

# A database that is down answers 503, wherever it failed (volunteer_portal/middleware.py).
handler500 = "volunteer_portal.middleware.server_error"

# Django admin's login counts towards, and is held to, the per-address limit too.
admin.site.login = member_views.address_limited(admin.site.login)
admin.site.site_header = _("Volunteer portal administration")
admin.site.site_title = _("Volunteer portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", page_cache.public(views.home), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("groups/", include("groups.urls")),
    path("members/me/", activity_views.MyPageView.as_view(), name="me"),
    path("members/", include("members.urls")),
    path("requests/", include("service_requests.urls")),
    path("reports/", include("reports.urls")),
    path("about/impact/", impact_views.impact, name="impact"),
    path("", include("activities.urls")),
    path("accounts/signup/", member_views.SignupView.as_view(), name="signup"),
    path("accounts/logout/", member_views.LogoutView.as_view(), name="logout"),
    path("accounts/login/", member_views.LoginView.as_view(), name="login"),
    path(
        "accounts/invitation/<str:token>/",
        member_views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(
        "accounts/password_reset/",
        member_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password_change/",
        member_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        member_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Django's switcher, wrapped: a logged-in user's choice is kept on the account too.
    path("i18n/setlang/", member_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:  # debugging and the local trial; nginx does it in production
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            files.serve_public_media,
        )
    ]
