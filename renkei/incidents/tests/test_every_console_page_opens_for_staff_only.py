"""Every console page answers staff with 200 and refuses the outsider."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


def _pages(ref: str, template_pk: int) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("incidents:queue"),
        reverse("incidents:queue") + "?q=hxxps://EXAMPLE[.]com/login&status=all",
        reverse("incidents:detail", args=[ref]),
        reverse("incidents:merge", args=[ref]),
        reverse("incidents:split", args=[ref]),
        reverse("incidents:manual"),
        reverse("coordination:notify", args=[ref]),
        reverse("coordination:contacts"),
        reverse("coordination:contact_new"),
        reverse("coordination:templates"),
        reverse("coordination:template_edit", args=[template_pk]),
        reverse("accounts:tokens"),
    ]


@pytest.mark.django_db
def test_every_console_page_opens_for_the_admin_and_refuses_the_outsider(
    personas: dict[str, User],
) -> None:
    from renkei.coordination.models import NotificationTemplate

    report = ingest(url="https://example.com/login", brand="Example Bank")
    ingest(url="hxxps://example[.]com/login", at="2025-04-02T10:00:00+09:00")
    pages = _pages(report.incident.ref, NotificationTemplate.objects.first().pk)
    admin, outsider = signed_in(personas["admin"]), signed_in(personas["outsider"])
    for url in pages:
        assert admin.get(url).status_code == 200, url
        assert outsider.get(url).status_code == 403, url
