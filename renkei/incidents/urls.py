from django.urls import path

from renkei.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("new/", views.manual_entry, name="manual"),
    path("merges/<int:pk>/undo/", views.unmerge, name="unmerge"),
    path("reports/<int:pk>/raw/", views.raw, name="raw"),
    path("<str:ref>/", views.detail, name="detail"),
    path("<str:ref>/reclassify/", views.reclassify, name="reclassify"),
    path("<str:ref>/merge/", views.merge, name="merge"),
    path("<str:ref>/split/", views.split, name="split"),
]
