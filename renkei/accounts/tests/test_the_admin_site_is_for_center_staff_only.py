"""The admin site follows renkei's roles, not only Django's "staff status" flag.

Django lets in anyone with `is_staff`. An analyst moved to the participant role
in the admin keeps that flag unless someone also clears it: they were refused
on every console page, yet still read the audit log (and any model they had a
permission for) on the admin site, where RENKEI_REQUIRE_2FA did not even ask
them for a second factor, since it applies to center staff.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from renkei.accounts.models import Role, User
from renkei.incidents.tests.helpers import signed_in


def _with_admin_access(user: User) -> User:
    """`user` as the admin site's own check would let in: staff status and a permission."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    return User.objects.get(pk=user.pk)  # permissions are cached on the instance


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.REPORTER])
def test_someone_outside_the_center_staff_with_staff_status_is_sent_to_sign_in(
    personas: dict[str, User], role: str
) -> None:
    former_analyst = personas["analyst"]
    former_analyst.role = role
    former_analyst.save(update_fields=["role"])
    client = signed_in(_with_admin_access(former_analyst))

    for url in (reverse("admin:index"), reverse("admin:accounts_auditevent_changelist")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.django_db
def test_center_staff_with_staff_status_still_use_the_admin_site(
    personas: dict[str, User],
) -> None:
    client = signed_in(_with_admin_access(personas["analyst"]))

    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert signed_in(personas["admin"]).get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_the_background_queue_pages_are_for_administrators(personas: dict[str, User]) -> None:
    # They empty queues and delete or requeue jobs without asking for a model permission.
    analyst = signed_in(_with_admin_access(personas["analyst"]))
    administrator = signed_in(personas["admin"])

    for name in ("admin:django_rq_home", "admin:django_rq_home_json"):
        url = reverse(name)
        assert analyst.get(url).status_code == 403, url
        assert administrator.get(url).status_code == 200, url
