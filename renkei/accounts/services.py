"""Writing account state: API tokens, language, two-factor devices, sign-in records."""

from __future__ import annotations

import math

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkei.accounts.access import is_admin
from renkei.accounts.audit import audit_log
from renkei.accounts.models import ApiToken, User
from renkei.accounts.tokens import hash_secret, new_secret
from renkei.lib.errors import PermissionDenied, ValidationError
from renkei.lib.ratelimit import client_address


@transaction.atomic
def api_token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; the secret is returned here and never again."""
    if actor != user and not is_admin(actor):
        raise PermissionDenied("only an administrator may create tokens for someone else")
    name = name.strip()
    if not name:
        raise ValidationError("a token needs a name")
    secret = new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        created=timezone.now(),
    )
    audit_log(
        actor=actor,
        action="api_token.create",
        obj=token,
        after={"user": user.username, "name": token.name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if actor != token.user and not is_admin(actor):
        raise PermissionDenied("only an administrator may revoke someone else's token")
    _revoke(token, actor=actor)
    return token


def _revoke(token: ApiToken, *, actor: User | None, actor_label: str = "") -> None:
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
        audit_log(
            actor=actor,
            actor_label=actor_label,
            action="api_token.revoke",
            obj=token,
            before={"revoked": None},
            after={"revoked": token.revoked.isoformat()},
        )


def _tokens_revoked(user: User, *, actor: User | None, actor_label: str = "") -> list[str]:
    """Every API token of `user` revoked; their prefixes, for the record of why.

    When a password is reset or set for someone, or an account is switched
    off, whoever may have taken the account must be shut out: a token they
    made would go on working without the password (and, kept, would work
    again were the account switched back on).
    """
    active = list(ApiToken.objects.filter(user=user, revoked__isnull=True).order_by("id"))
    for token in active:
        _revoke(token, actor=actor, actor_label=actor_label)
    return [token.prefix for token in active]


@transaction.atomic
def user_set_language(*, actor: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(f"unknown language {language!r}")
    if actor.language != language:
        before = actor.language
        actor.language = language
        actor.save(update_fields=["language"])
        audit_log(
            actor=actor,
            action="user.language",
            obj=actor,
            before={"language": before},
            after={"language": language},
        )
    return actor


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (created on first visit of the enrolment page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with a first code from the app; False when the code is wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied("not your pending authenticator")
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_log(actor=user, action="user.2fa_enrol", obj=user, after={"device": device.pk})
    return True


@transaction.atomic
def totp_device_remove(*, actor: User, device: TOTPDevice) -> None:
    """An administrator removes someone's authenticator (a lost phone)."""
    owner, before = device.user, {"device": device.pk, "name": device.name}
    device.delete()
    audit_log(actor=actor, action="user.2fa_remove", obj=owner, before=before)


def totp_wait_seconds(device: TOTPDevice) -> int:
    """Seconds before `device` takes a code again (django-otp waits longer after each wrong one)."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (info or {}).get("locked_until")
    if locked_until is None:
        return 1
    return max(1, math.ceil((locked_until - timezone.now()).total_seconds()))


def user_has_authenticator(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _where(request: HttpRequest | None) -> dict[str, str]:
    return {"address": client_address(request)} if request is not None else {}


def sign_in_record(*, user: User, request: HttpRequest | None) -> None:
    audit_log(actor=user, action="user.sign_in", obj=user, after=_where(request))


def sign_in_failure_record(*, username: str, request: HttpRequest | None) -> None:
    """A wrong password (or an unknown or inactive account) for `username`."""
    known = User.objects.filter(username=username).first()
    audit_log(
        actor=None,
        actor_label="anonymous",
        action="user.sign_in_failed",
        obj=known,
        object_type="accounts.user",
        after={"username": username[:150], **_where(request)},
    )


def second_factor_failure_record(*, user: User, request: HttpRequest, waited: int) -> None:
    """A refused authenticator code: wrong, or sent while django-otp still made the person wait.

    The password was right, so a run of these is someone guessing codes with it.
    """
    after: dict[str, object] = {**_where(request), "throttled": waited > 0}
    audit_log(actor=user, action="user.2fa_failed", obj=user, after=after)


def sign_out_record(*, user: User, request: HttpRequest | None) -> None:
    audit_log(actor=user, action="user.sign_out", obj=user, after=_where(request))


_USER_FIELDS = ("username", "email", "role", "is_active", "is_staff", "is_superuser")


def _user_snapshot(user: User) -> dict[str, object]:
    return {name: getattr(user, name) for name in _USER_FIELDS}


def user_created_by_operator_record(*, user: User, actor_label: str) -> None:
    """An account made outside the console (`renkei init`): who ran it is not a user."""
    audit_log(
        actor=None, action="user.create", obj=user, after=_user_snapshot(user),
        actor_label=actor_label,
    )  # fmt: skip


def user_change_record(
    *, actor: User, user: User, created: bool, changes: dict[str, tuple[object, object]]
) -> None:
    """Record an account created or changed by an administrator, field by field.

    Called by the admin site, which makes the change itself (in its own
    transaction, which this record joins).
    """
    if created:
        audit_log(actor=actor, action="user.create", obj=user, after=_user_snapshot(user))
    elif changes:
        audit_log(
            actor=actor,
            action="user.change",
            obj=user,
            before={name: old for name, (old, _new) in changes.items()},
            after={name: new for name, (_old, new) in changes.items()},
        )
        if changes.get("is_active", (None, True))[1] is False:
            _tokens_revoked(user, actor=actor)


def user_password_set_record(*, actor: User | None, user: User, actor_label: str = "") -> None:
    """A password set for someone by an administrator (never the password itself).

    `actor` is None when the operator set it from the command line (`renkei init`).
    """
    usable = user.has_usable_password()
    audit_log(
        actor=actor,
        actor_label=actor_label,
        action="user.password_set",
        obj=user,
        after={"usable": usable},
    )
    _tokens_revoked(user, actor=actor, actor_label=actor_label)


def user_password_change_record(*, user: User, request: HttpRequest | None) -> None:
    """Someone changed their own password, knowing the old one (the admin site's page)."""
    audit_log(actor=user, action="user.password_change", obj=user, after=_where(request))


@transaction.atomic
def user_password_reset(*, user: User, request: HttpRequest | None) -> None:
    """A password reset through the e-mail link is finished: record it, revoke every API token.

    Whoever resets a password may be shutting out someone who took the account,
    and a token that person made would go on working without the password.
    Sessions need nothing here: Django ends those signed in with the old
    password, since each keeps a hash of it (the session auth hash).
    Neither the new password nor the link's token is recorded.
    """
    audit_log(
        actor=user,
        action="user.password_reset",
        obj=user,
        after={**_where(request), "api_tokens_revoked": _tokens_revoked(user, actor=user)},
    )


def user_delete_record(*, actor: User, user: User) -> None:
    audit_log(actor=actor, action="user.delete", obj=user, before=_user_snapshot(user))
