"""A reporter whose input method is in full-width mode can send the public form.

It answered "This is not a URL we can read." to ｈｔｔｐｓ：／／… and "This is not an
IP address." to １９２．０．２．１.
"""

from __future__ import annotations

import pytest
from django.test import Client

from renkei.intake.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def test_a_full_width_url_and_address_make_a_report(client: Client) -> None:
    response = client.post(
        "/submit/",
        {"category": "phishing", "url": "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ／ｌｏｇｉｎ",
         "ip": "１９２．０．２．１", "description": "SMSのリンク", "contact_email": "",
         "website": ""},
        REMOTE_ADDR="192.0.2.10",
    )  # fmt: skip

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.url, report.ip) == ("https://example.com/login", "192.0.2.1")
