from django.urls import path

from renkei.coordination import views

app_name = "coordination"
urlpatterns = [
    path("incidents/<str:ref>/notify/", views.notify, name="notify"),
    path("incidents/<str:ref>/notify/draft/", views.notify_draft, name="notify_draft"),
    path("incidents/<str:ref>/no-notification/", views.no_notification, name="no_notification"),
    path("incidents/<str:ref>/resolve/", views.resolve, name="resolve"),
    path("notifications/<int:pk>/renotify/", views.renotify, name="renotify"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/new/", views.contact_edit, name="contact_new"),
    path("contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("templates/", views.templates, name="templates"),
    path("sla/", views.sla_targets, name="sla_targets"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/preview/", views.template_preview_view, name="template_preview"),
]
