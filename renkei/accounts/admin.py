from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_rq.admin import QueueAdmin
from django_rq.models import Dashboard

from renkei.accounts.access import is_admin
from renkei.accounts.forms import AdminSignInForm
from renkei.accounts.models import ApiToken, AuditEvent, User
from renkei.accounts.services import (
    api_token_revoke,
    totp_device_remove,
    user_change_record,
    user_delete_record,
    user_password_set_record,
)

# The admin's own sign-in page must not be a way around the console's throttling.
admin.site.login_form = AdminSignInForm


def _plain(value: Any) -> Any:
    """A form value as JSON: objects by name, dates as ISO 8601."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Iterable) and not isinstance(value, str):
        return sorted(str(item) for item in value)
    return value


def _same(before: Any, after: Any) -> bool:
    # The admin shows times to the second, so saving the form drops the
    # microseconds of `date_joined`: not a change anyone made.
    if isinstance(before, datetime) and isinstance(after, datetime):
        return before.replace(microsecond=0) == after.replace(microsecond=0)
    return bool(before == after)


def _form_changes(form: forms.ModelForm[Any]) -> dict[str, tuple[Any, Any]]:
    """(before, after) of every field the form changed; never a password."""
    changes = {}
    for name in form.changed_data:
        before, after = form.initial.get(name), form.cleaned_data.get(name)
        if "password" not in name and not _same(before, after):
            changes[name] = (_plain(before), _plain(after))
    return changes


@admin.register(User)
class RenkeiUserAdmin(UserAdmin):
    """Every change made here (role, activity, superuser, groups...) goes to the audit log."""

    list_display = ("username", "email", "role", "language", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("renkei", {"fields": ("role", "language")}))  # type: ignore[misc]
    # The role is chosen with the account: the model's default (analyst) is center
    # staff, so an account made for a participant must not start out as one.
    add_fieldsets = (*UserAdmin.add_fieldsets, ("renkei", {"fields": ("role", "language")}))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the groups and permissions are saved, inside the admin's transaction.
        super().save_related(request, form, formsets, change)
        user_change_record(
            actor=request.user,  # type: ignore[arg-type]
            user=form.instance,
            created=not change,
            changes=_form_changes(form),
        )

    @transaction.atomic
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # get_object reads the id as the admin does: a malformed one is its 404, not a 500.
        found = self.get_object(request, unquote(id))
        before = found.password if found is not None else None
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user is not None and before is not None and user.password != before:
            user_password_set_record(actor=request.user, user=user)  # type: ignore[arg-type]
        return response

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        user_delete_record(actor=request.user, user=obj)  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[User]) -> None:
        for user in queryset:
            user_delete_record(actor=request.user, user=user)  # type: ignore[arg-type]
        super().delete_queryset(request, queryset)


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
    """Tokens are made on the tokens page (the secret is shown once); here only revoked.

    Editing would let a token be handed to another user or un-revoked, unaudited.
    """

    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "name", "prefix", "created", "last_used", "revoked")
    exclude = ("token_hash",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # deleting would erase the token's record, unaudited: revoke it

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: models.QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]


# django-otp's own admin shows an authenticator's secret (and its QR code) and lets an
# administrator make one with a secret of their choosing for anyone: either would let
# them pass as that person's second factor.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Authenticators are enrolled by their owner; here they are seen, and removed
    (a lost phone: the owner enrols again at the next sign-in), audited."""

    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    fields = readonly_fields = (
        "user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The list's query string may filter on any field of the model: key__startswith
        # answered yes or no to a guessed prefix, enough to read a secret in a few hundred
        # requests. Only the list's own filters are allowed.
        return lookup.split("__")[0] in ("confirmed", "user", "id")

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        totp_device_remove(actor=request.user, device=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[TOTPDevice]) -> None:
        for device in queryset.select_related("user"):
            totp_device_remove(actor=request.user, device=device)  # type: ignore[arg-type]


class StaffQueueAdmin(QueueAdmin):
    """django-rq's queue pages, its statistics too, behind the admin site's own check,
    and for administrators only.

    django-rq serves its statistics (stats.json, metrics) outside that check, to
    anyone with Django's staff status or its RQ_API_TOKEN (which renkei never sets).
    Its pages empty queues, delete and requeue jobs with no model permission
    asked: an analyst given Django's staff status (to read the audit log) could.
    """

    def get_urls(self) -> list[URLPattern]:
        guarded = []
        for url in super().get_urls():
            view = self.admin_site.admin_view(_administrators_only(url.callback))
            guarded.append(URLPattern(url.pattern, view, url.default_args, url.name))
        return guarded


def _administrators_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_admin(request.user):
            raise PermissionDenied("the background queue is for administrators")
        return view(request, *args, **kwargs)

    return checked


if admin.site.is_registered(Dashboard):  # django-rq registers it when RQ_SHOW_ADMIN_LINK
    admin.site.unregister(Dashboard)
    admin.site.register(Dashboard, StaffQueueAdmin)
