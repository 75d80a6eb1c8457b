from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("renkei.accounts.urls")),
    path("incidents/", include("renkei.incidents.urls")),
    path("coordination/", include("renkei.coordination.urls")),
    path("reports/", include("renkei.reports.urls")),
    # Public intake (web form, API) lives under intake.
    path("", include("renkei.intake.urls")),
]
