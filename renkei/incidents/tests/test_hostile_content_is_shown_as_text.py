"""Markup in reports (text, URL, brand) reaches every page as text, never as markup."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import Notification
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "<svg/onload=alert(3)>"]
HOSTILE = re.compile(r"<script>alert|<img src=x|onerror=alert\(2\)>|<svg/onload", re.IGNORECASE)


@pytest.mark.django_db
def test_hostile_reports_render_escaped_on_every_page(personas: dict[str, User]) -> None:
    text = " ".join(PAYLOADS)
    report = ingest(
        url='https://evil.example/<script>alert(1)</script>"><img src=x onerror=alert(2)>',
        brand='<svg/onload=alert(3)>"><img src=x onerror=alert(2)>',
        text=text,
        reporter="<script>alert(1)</script>",
    )
    incident = report.incident
    Notification.objects.create(
        source="x",
        ref="n1",
        incident=incident,
        sent_at=datetime.fromisoformat("2025-04-04T00:00:00+09:00"),
        recipient='"><img src=x onerror=alert(2)>@x.example',
        status="failed",
        error="<script>alert(1)</script>",
    )
    client = signed_in(personas["admin"])
    pages = [
        reverse("dashboard"),
        reverse("incidents:queue"),
        reverse("incidents:queue") + "?status=all&order=newest",
        reverse("incidents:detail", args=[incident.ref]),
        reverse("incidents:merge", args=[incident.ref]),
        reverse("incidents:split", args=[incident.ref]),
        reverse("coordination:notify", args=[incident.ref]),
        reverse("coordination:contacts"),
    ]
    for url in pages:
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        found = HOSTILE.search(html)
        assert not found, (url, html[found.start() - 300 : found.end() + 100] if found else "")
        assert "script-src 'self'" in response["Content-Security-Policy"]
    detail = client.get(reverse("incidents:detail", args=[incident.ref])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in detail
