"""Sign-ins, failed sign-ins and sign-outs go to the audit log.

Django announces them only as signals (from the console's sign-in page, the
admin's and any other caller of `authenticate`/`login`), so the receivers
here are the one place that sees them all; each only calls a service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from renkei.accounts.models import User
from renkei.accounts.services import sign_in_failure_record, sign_in_record, sign_out_record


@receiver(user_logged_in, dispatch_uid="renkei.accounts.audit_sign_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    sign_in_record(user=user, request=request)


@receiver(user_login_failed, dispatch_uid="renkei.accounts.audit_sign_in_failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # `credentials` has the password masked already; only the user name is kept.
    sign_in_failure_record(username=str(credentials.get("username") or ""), request=request)


@receiver(user_logged_out, dispatch_uid="renkei.accounts.audit_sign_out")
def _signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        sign_out_record(user=user, request=request)
