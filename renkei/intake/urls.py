from django.urls import path

from renkei.intake import views
from renkei.intake.api import api

app_name = "intake"
urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submit/thanks/", views.submit_done, name="submit_done"),
    path("intake/upload/", views.upload, name="upload"),
    path(
        "intake/attachments/<int:pk>/download/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("intake/reports/<int:pk>/classify/", views.report_classify_view, name="report_classify"),
    path("intake/problems/", views.problems, name="problems"),
    path("intake/raw/<int:pk>/download/", views.raw_download, name="raw_download"),
    path("intake/raw/<int:pk>/reprocess/", views.raw_reprocess, name="raw_reprocess"),
    path("api/", api.urls),
]
