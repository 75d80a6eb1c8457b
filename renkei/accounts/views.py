"""Sign-in, two-factor, language and API token pages."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkei.accounts.access import SignedInRequest, member_required
from renkei.accounts.forms import ApiTokenForm, LanguageForm, SignInForm, TokenCodeForm
from renkei.accounts.middleware import two_factor_exempt
from renkei.accounts.models import ApiToken, User
from renkei.accounts.services import (
    api_token_create,
    api_token_revoke,
    second_factor_failure_record,
    totp_device_confirm,
    totp_device_pending,
    totp_wait_seconds,
    user_password_reset,
    user_set_language,
)


def _safe_next(request: HttpRequest, value: str | None, default: str = "/") -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return default


login = two_factor_exempt(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=SignInForm,
        redirect_authenticated_user=True,
    )
)
logout = two_factor_exempt(auth_views.LogoutView.as_view(next_page=reverse_lazy("accounts:login")))
password_reset = two_factor_exempt(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/password_reset_email.txt",
        subject_template_name="accounts/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = two_factor_exempt(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)


class _PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page for the link in the reset mail; a reset it completes is audited
    and ends the account's API tokens (see `user_password_reset`)."""

    @transaction.atomic  # the new password, its record and the revocations
    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)  # saves the new password
        user_password_reset(user=form.user, request=self.request)
        return response


password_reset_confirm = two_factor_exempt(
    _PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = two_factor_exempt(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


@two_factor_exempt
@login_required
def two_factor_verify(request: SignedInRequest) -> HttpResponse:
    form = TokenCodeForm(request.POST or None)
    if form.is_valid():
        devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
        wait = min((totp_wait_seconds(device) for device in devices), default=0)
        code = form.cleaned_data["token"].strip()
        for device in devices if not wait else []:
            if device.verify_token(code):
                otp_login(request, device)
                return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
        second_factor_failure_record(user=request.user, request=request, waited=wait)
        form.add_error("token", _code_refused(wait))
    return render(request, "accounts/2fa_verify.html", {"form": form})


def _code_refused(wait: int) -> str:
    """Why a code was refused: wrong, or not even tried because of django-otp's throttling."""
    if not wait:
        return _("That code is not valid. Try the current one.")
    # After a wrong code django-otp refuses every code, right ones too, for a
    # while; saying "not valid" then would send people typing good codes in vain.
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second, then enter the current code.",
        "Too many wrong codes. Wait %(seconds)d seconds, then enter the current code.",
        wait,
    ) % {"seconds": wait}


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8")


@two_factor_exempt
@login_required
def two_factor_setup(request: SignedInRequest) -> HttpResponse:
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if has_device and not getattr(request.user, "is_verified", lambda: False)():
        return HttpResponseRedirect(reverse("accounts:2fa_verify"))
    device = totp_device_pending(user=request.user)
    form = TokenCodeForm(request.POST or None)
    if form.is_valid():
        wait = totp_wait_seconds(device)
        code = form.cleaned_data["token"]
        if not wait and totp_device_confirm(user=request.user, device=device, token=code):
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is now on for your account."))
            return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
        second_factor_failure_record(user=request.user, request=request, waited=wait)
        form.add_error("token", _code_refused(wait))
    secret = device.config_url.split("secret=")[1].split("&")[0]
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": secret,
        "enrolled": has_device,
    }
    return render(request, "accounts/2fa_setup.html", context)


@two_factor_exempt
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    target = _safe_next(request, request.POST.get("next"))
    response = HttpResponseRedirect(target)
    if form.is_valid():
        code = form.cleaned_data["language"]
        if request.user.is_authenticated:
            user_set_language(actor=request.user, language=code)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax")
    return response


@member_required  # participants submit reports with tokens of their own too
def tokens(request: SignedInRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if form.is_valid():
        _token, secret = api_token_create(
            actor=request.user,
            user=request.user,
            name=form.cleaned_data["name"],
        )
        form = ApiTokenForm()
    rows = ApiToken.objects.filter(user=request.user).order_by("-created")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": rows, "secret": secret})


@member_required
@require_POST
def token_revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token was revoked."))
    return HttpResponseRedirect(reverse("accounts:tokens"))
