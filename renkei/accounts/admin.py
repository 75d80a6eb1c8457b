from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from renkei.accounts.forms import AdminSignInForm
from renkei.accounts.models import ApiToken, AuditEvent, User

# The admin's own sign-in page must not be a way around the console's throttling.
admin.site.login_form = AdminSignInForm


@admin.register(User)
class RenkeiUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "language", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("renkei", {"fields": ("role", "language")}))  # type: ignore[misc]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_label")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    readonly_fields = ("token_hash", "prefix", "created", "last_used")
