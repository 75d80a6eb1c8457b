"""A report line's `incident` must be a ref renkei makes (`I-` + 10 Crockford base32).

`renkei export` writes it so that an import rebuilds the same incidents; a
ref of another shape (a slash breaks the console's URLs) is rejected with the
reason, and the other lines are imported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.incidents.models import Incident
from renkei.intake.tests.helpers import import_objects, report

pytestmark = pytest.mark.django_db
AT = "2025-04-01T10:00:00Z"


@pytest.mark.parametrize("ref", ["x/y", "I-NOTEXIST00", "i-0000000001", "I-00000000001", "I-"])
def test_a_line_naming_a_malformed_incident_ref_is_rejected(tmp_path: Path, ref: str) -> None:
    summary = import_objects(tmp_path, [
        report("bad", AT, category="phishing", url="https://a.example/", incident=ref),
        report("good", AT, category="phishing", url="https://b.example/"),
    ])  # fmt: skip

    assert "is not an incident ref" in dict(summary.rejected)[1]
    assert Incident.objects.get().key == "b.example/"


def test_a_well_formed_ref_opens_that_incident_and_the_queue_shows_it(
    tmp_path: Path, client: Client, personas: dict[str, User]
) -> None:
    import_objects(tmp_path, [
        report("r1", AT, category="phishing", url="https://a.example/", incident="I-0000000001"),
    ])  # fmt: skip
    client.force_login(personas["analyst"])

    response = client.get("/incidents/")

    assert response.status_code == 200
    assert "I-0000000001" in response.content.decode()
