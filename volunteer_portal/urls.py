from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from activities import views as activity_views
from members import views as member_views
from members.forms import PortalAuthenticationForm
from volunteer_portal import views

admin.site.site_header = _("Volunteer portal administration")
admin.site.site_title = _("Volunteer portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("groups/", include("groups.urls")),
    path("members/me/", activity_views.MyPageView.as_view(), name="me"),
    path("members/", include("members.urls")),
    path("", include("activities.urls")),
    path("accounts/signup/", member_views.SignupView.as_view(), name="signup"),
    path("accounts/logout/", member_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=PortalAuthenticationForm),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
