"""A signature verdict, a suggestion or an analyst's decision comes from renkei only.

They live in a report's `extra`, which is also where a file's unknown keys and
an API client's own data go. Sent in, they showed on the incident page as
renkei's findings: "signature valid" on an unsigned report, "Decided by
admin" on a decision nobody made.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.incidents.labels import label
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db

CLAIMS: dict[str, Any] = {
    "pgp": {"signature": {"status": "valid", "where": "mime", "fingerprint": "0" * 40}},
    "decision": {"category": "phishing", "brand": None, "by": "admin", "at": "2024-04-01"},
    "suggestion": {"category": "phishing", "confidence": 0.99, "reasons": ["trust me"]},
}


def _incident_page(analyst: User, report: Report) -> str:
    """The page without the raw report (shown as received, claims included)."""
    page = signed_in(analyst).get(reverse("incidents:detail", args=[report.incident.ref]))
    assert page.status_code == 200
    return re.sub(r"<pre[^>]*>.*?</pre>", "", page.content.decode(), flags=re.S)


def _decided_by_admin() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Decided by %(who)s: %(category)s") % {
            "who": "admin", "category": label("phishing", "category"),
        }  # fmt: skip


def test_a_file_s_claims_are_kept_aside_and_not_shown_as_renkei_s(
    tmp_path: Path, personas: dict[str, User]
) -> None:
    line = report("a", "2024-04-01T10:00:00Z", category="other", ticket="T-9", **CLAIMS)

    import_objects(tmp_path, [line])

    stored = Report.objects.get()
    assert stored.extra == {"ticket": "T-9", "from_source": CLAIMS}
    page = _incident_page(personas["analyst"], stored)
    assert 'class="pgp"' not in page
    assert _decided_by_admin() not in page
    assert "trust me" not in page


def test_a_file_s_claims_join_what_it_already_kept_aside(tmp_path: Path) -> None:
    earlier = {"note": "from an earlier exchange"}
    line = report("a", "2024-04-01T10:00:00Z", category="other", from_source=earlier,
                  pgp=CLAIMS["pgp"])  # fmt: skip

    import_objects(tmp_path, [line])

    assert Report.objects.get().extra == {"from_source": {**earlier, "pgp": CLAIMS["pgp"]}}


@pytest.mark.parametrize("claimed", sorted(CLAIMS))
def test_an_api_client_sending_one_is_refused_and_its_request_kept(
    client: Any, personas: dict[str, User], claimed: str
) -> None:
    user = personas["participant_a"]
    token = api_token_create(actor=user, user=user, name="test")[1]
    body = {"ref": "c-1", "category": "other", "extra": {claimed: CLAIMS[claimed], "own": 1}}

    response = client.post(
        "/api/reports", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip

    assert response.status_code == 422
    assert claimed in json.dumps(response.json()["detail"])
    assert Report.objects.count() == 0
    raw = RawReport.objects.get(channel="api")
    assert raw.status == "failed" and json.loads(bytes(raw.content)) == body


def test_an_api_client_s_own_extra_data_is_kept(client: Any, personas: dict[str, User]) -> None:
    user = personas["participant_a"]
    token = api_token_create(actor=user, user=user, name="test")[1]
    body = {"ref": "c-1", "category": "other", "extra": {"ticket": "T-9", "tags": ["x"]}}

    response = client.post(
        "/api/reports", json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip

    assert response.status_code == 201
    assert Report.objects.get().extra == {"ticket": "T-9", "tags": ["x"]}
