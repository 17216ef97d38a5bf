from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from config import views as config_views

urlpatterns = [
    path("", account_views.HomeView.as_view(), name="home"),
    path("healthz/", config_views.healthz, name="healthz"),
    path("accessibility/", config_views.accessibility_statement, name="accessibility"),
    path("accounts/", include("allauth.urls")),
    path("organisations/", include("applicants.urls")),
    path("rounds/", include("rounds.urls")),
    path("", include("grants.urls")),
    path("finance/", include("payments.urls")),
    path("messages/", include("notifications.urls")),
    path("administration/", include("accounts.urls")),
    path("django-admin/", admin.site.urls),
]

admin.site.site_header = "Community Grants administration"
admin.site.site_title = "Community Grants administration"
