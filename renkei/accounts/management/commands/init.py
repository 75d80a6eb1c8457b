from __future__ import annotations

import getpass
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from renkei.accounts.models import Role, User
from renkei.accounts.services import user_created_by_operator_record, user_password_set_record
from renkei.lib.env import write_private


@transaction.atomic
def _password_set(user: User, password: str) -> None:
    """`--reset-password`: audited like a password set in the admin, by the operator."""
    user.set_password(password)
    user.save(update_fields=["password"])
    user_password_set_record(actor=None, user=user, actor_label="renkei init")


@transaction.atomic
def _admin_create(username: str, email: str, password: str) -> None:
    user = User.objects.create_superuser(
        username=username, email=email, password=password, role=Role.ADMIN
    )
    user_created_by_operator_record(user=user, actor_label="renkei init")


class Command(BaseCommand):
    help = (
        "Create or upgrade the database and make sure an admin account exists. "
        "Without a terminal the password comes from RENKEI_ADMIN_PASSWORD or is generated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--reset-password", action="store_true", help="set a new password for the admin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"database ready: {settings.DATABASES['default']['NAME']}")
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is not None and not options["reset_password"]:
            self.stdout.write(f"admin account {username!r} exists; password unchanged")
            return
        password = self._password()
        if user is None:
            _admin_create(username, options["email"], password)
        else:
            _password_set(user, password)
        self._announce(username, password)

    def _password(self) -> str:
        configured = os.environ.get("RENKEI_ADMIN_PASSWORD", "")
        if configured:
            return configured
        if sys.stdin.isatty():
            entered = getpass.getpass("admin password (empty: generate one): ")
            if entered:
                return entered
        return secrets.token_urlsafe(12)

    def _announce(self, username: str, password: str) -> None:
        if os.environ.get("RENKEI_ADMIN_PASSWORD"):
            self.stdout.write(
                f"admin account {username!r} ready (password from RENKEI_ADMIN_PASSWORD)"
            )
            return
        # Kept for `make run` to show again; only the local operator can read it.
        path = Path(settings.RENKEI_HOME) / "initial-admin-password"
        write_private(path, password + "\n", replace=True)
        self.stdout.write(f"admin account {username!r} created; password: {password}")
        self.stdout.write(f"(also written to {path}; change it after logging in)")
