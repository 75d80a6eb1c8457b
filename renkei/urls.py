from django.contrib import admin
from django.urls import include, path

from renkei.incidents.views import dashboard

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("renkei.accounts.urls")),
    path("incidents/", include("renkei.incidents.urls")),
    path("coordination/", include("renkei.coordination.urls")),
    path("reports/", include("renkei.reports.urls")),
    path("", dashboard, name="dashboard"),
    # Public intake (web form, API) lives under intake.
    path("", include("renkei.intake.urls")),
]

handler400 = "renkei.error_views.bad_request"
handler403 = "renkei.error_views.permission_denied"
handler404 = "renkei.error_views.page_not_found"
handler500 = "renkei.error_views.server_error"
