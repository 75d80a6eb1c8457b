from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from renkei.accounts.throttle import sign_in_failed, sign_in_locked


class TokenCodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


class SignInForm(AuthenticationForm):
    """The sign-in form, refusing every attempt once too many passwords were wrong."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        if sign_in_locked(self.request, username):
            minutes = -(-settings.RENKEI_LOGIN_LOCKOUT_SECONDS // 60)
            raise ValidationError(
                ngettext(
                    "Too many failed sign-in attempts. Wait up to %(minutes)d minute "
                    "and try again.",
                    "Too many failed sign-in attempts. Wait up to %(minutes)d minutes "
                    "and try again.",
                    minutes,
                ),
                code="locked",
                params={"minutes": minutes},
            )
        try:
            return super().clean()
        except ValidationError:
            if self.user_cache is None:  # a wrong password, not a refused account
                sign_in_failed(self.request, username)
            raise


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin site's sign-in form, throttled like the console's."""
