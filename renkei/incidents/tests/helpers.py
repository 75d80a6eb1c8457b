from __future__ import annotations

from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client
