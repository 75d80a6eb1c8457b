"""The named people of the test suite (STYLE.md: every view test refuses the outsider)."""

from __future__ import annotations

from renkei.accounts.models import Role, User

PASSWORD = "correct horse battery staple"  # a test fixture


def make_user(
    username: str, role: str, *, is_staff: bool = False, is_superuser: bool = False
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role)
    if is_staff or is_superuser:
        user.is_staff, user.is_superuser = is_staff, is_superuser
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


def make_personas() -> dict[str, User]:
    return {
        "admin": make_user("admin", Role.ADMIN, is_staff=True, is_superuser=True),
        "analyst": make_user("analyst", Role.ANALYST),
        "coordinator": make_user("coordinator", Role.COORDINATOR),
        "participant_a": make_user("participant_a", Role.PARTICIPANT),
        "participant_b": make_user("participant_b", Role.PARTICIPANT),
        "outsider": make_user("outsider", Role.REPORTER),
    }
