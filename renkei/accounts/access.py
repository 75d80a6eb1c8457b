"""Who may open what: the decorators and the one per-object access helper.

Console pages are for center staff (admin, analyst, coordinator). A person
who is signed in but is not staff gets 403 on a staff page; an object that
a person may not see is reported as absent (404), never as forbidden, so
its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from renkei.accounts.models import Role, User

M = TypeVar("M", bound=models.Model)
View = Callable[..., HttpResponse]


class SignedInRequest(HttpRequest):
    """A request from a signed-in user (behind `login_required`)."""

    user: User  # type: ignore[assignment]


class StaffRequest(SignedInRequest):
    """A request that `staff_required` (or `admin_required`) let through."""


def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_center_staff)


def is_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_community_member)


def is_admin(user: Any) -> bool:
    return bool(is_staff(user) and (user.is_superuser or user.role == Role.ADMIN))


def _guard(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _guard(is_staff)
member_required = _guard(is_member)
admin_required = _guard(is_admin)


def visible_to(user: User | Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """The part of `queryset` that `user` may see: all of it for staff, nothing otherwise."""
    return queryset if is_staff(user) else queryset.none()


def get_for_user_or_404(user: User | Any, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """The object, or 404 when it does not exist or `user` may not see it."""
    found = visible_to(user, queryset).filter(**lookup).first()
    if found is None:
        raise Http404
    return found
