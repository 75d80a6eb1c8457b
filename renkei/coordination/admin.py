from __future__ import annotations

from django.contrib import admin

from renkei.coordination.models import Contact, Notification, NotificationTemplate, SlaTarget


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ("category", "first_notification_days", "resolution_days")
    list_editable = ("first_notification_days", "resolution_days")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("organisation", "email", "country", "language", "pgp_fingerprint", "active")
    search_fields = ("organisation", "email")


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ("category", "language", "subject", "updated_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("ref", "recipient", "status", "sent_at", "attempts")
    list_filter = ("status",)
    raw_id_fields = ("incident", "report", "contact", "created_by")
    show_full_result_count = False
