"""The admin site renkei runs: Django's, for center staff only, with a password change audited.

Installed in place of django.contrib.admin (INSTALLED_APPS), so that
`admin.site` everywhere is this site.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.db import transaction
from django.http import HttpRequest
from django.template.response import TemplateResponse


class RenkeiAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Django's own check is the `is_staff` flag alone, which a person moved out
        # of the center staff (a role change) may keep; the role decides, as on the
        # console. This also guards the pages django-rq adds under the admin.
        user = request.user
        return super().has_permission(request) and bool(getattr(user, "is_center_staff", False))

    @transaction.atomic  # the new password and its record
    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        # Imported here: this module is loaded with the settings, before the models are.
        from renkei.accounts.models import User
        from renkei.accounts.services import user_password_change_record

        user = cast(User, request.user)  # the admin lets in only signed-in staff
        before = user.password
        response = super().password_change(request, extra_context)
        # Django's view changes `request.user` itself; an unchanged hash is a refused form.
        if user.password != before:
            user_password_change_record(user=user, request=request)
        return response


class RenkeiAdminConfig(AdminConfig):
    default_site = "renkei.accounts.admin_site.RenkeiAdminSite"
