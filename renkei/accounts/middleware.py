"""Per-request account behaviour: the user's language, and two-factor enforcement."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation

from renkei.accounts.services import user_has_authenticator


class UserLanguageMiddleware:
    """A signed-in person sees the console in the language they chose (User.language)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language in dict(settings.LANGUAGES):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def two_factor_exempt(view: Any) -> Any:
    """Pages reachable before the second factor: sign-in, sign-out, enrolment, reset."""
    view.two_factor_exempt = True
    return view


class TwoFactorMiddleware:
    """Ask for the second factor before any other page.

    Whoever has an authenticator must use it; staff without one must enrol
    when RENKEI_REQUIRE_2FA is true.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or getattr(view_func, "two_factor_exempt", False):
            return None
        is_verified = getattr(user, "is_verified", None)  # installed by django_otp's middleware
        if is_verified is not None and is_verified():
            return None
        if user_has_authenticator(user):  # type: ignore[arg-type]
            target = "accounts:2fa_verify"
        elif settings.RENKEI_REQUIRE_2FA and user.is_center_staff:  # type: ignore[union-attr]
            target = "accounts:2fa_setup"
        else:
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")
