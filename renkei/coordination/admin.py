from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from renkei.coordination.models import Contact, Notification, NotificationTemplate, SlaTarget


class ConsoleEditedAdmin(admin.ModelAdmin):
    """Shown here, changed only on the console's pages.

    The console's services check a change (a template must render, a key must
    import) and audit it; the admin would save the row with neither.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaTarget)
class SlaTargetAdmin(ConsoleEditedAdmin):
    list_display = ("category", "first_notification_days", "resolution_days")


@admin.register(Contact)
class ContactAdmin(ConsoleEditedAdmin):
    list_display = ("organisation", "email", "country", "language", "pgp_fingerprint", "active")
    search_fields = ("organisation", "email")


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ConsoleEditedAdmin):
    list_display = ("category", "language", "subject", "updated_at")


@admin.register(Notification)
class NotificationAdmin(ConsoleEditedAdmin):
    """What was sent, to whom and when: a record, never edited."""

    list_display = ("ref", "recipient", "status", "sent_at", "attempts")
    list_filter = ("status",)
    raw_id_fields = ("incident", "report", "contact", "created_by")
    show_full_result_count = False
