"""An API submitter outside the center learns nothing about others' reports,
and nobody can flood the API.

The answer used to name the incident a report joined: a participant sending
a URL learned whether anyone had reported it before (the same incident twice)
and, from the ids, how many reports and incidents the center holds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client, override_settings

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.intake.models import RawReport, Report

pytestmark = pytest.mark.django_db

URL = "https://login.example-phish.xyz/"


def _submit(client: Client, user: User, body: dict[str, Any], path: str = "/api/reports") -> Any:
    token = api_token_create(actor=user, user=user, name="test")[1]
    return client.post(
        path, json.dumps(body), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )  # fmt: skip


def test_a_participant_is_not_told_that_someone_reported_the_same_site(
    client: Client, personas: dict[str, User]
) -> None:
    first = {"ref": "b-1", "category": "phishing", "url": URL}
    assert _submit(client, personas["participant_b"], first).status_code == 201

    response = _submit(client, personas["participant_a"], {**first, "ref": "a-1"})

    assert response.status_code == 201
    assert response.json() == {
        "index": 0, "ref": "a-1", "status": "created", "report_id": None, "incident": None,
        "reason": "",
    }  # fmt: skip
    assert Report.objects.filter(incident__report_count=2).count() == 2  # they did join


def test_a_participant_s_batch_results_name_no_incident_or_report(
    client: Client, personas: dict[str, User]
) -> None:
    batch = {"reports": [{"ref": "a-1", "category": "phishing", "url": URL},
                         {"ref": "a-1", "category": "phishing", "url": URL}]}  # fmt: skip

    body = _submit(client, personas["participant_a"], batch, "/api/reports/batch").json()

    assert [r["status"] for r in body["results"]] == ["created", "duplicate"]
    assert all(r["incident"] is None and r["report_id"] is None for r in body["results"])


def test_center_staff_are_told_the_incident_and_the_report(
    client: Client, personas: dict[str, User]
) -> None:
    response = _submit(client, personas["analyst"], {"ref": "s-1", "category": "phishing",
                                                     "url": URL})  # fmt: skip

    body = response.json()
    report = Report.objects.get(pk=body["report_id"])
    assert body["incident"] == report.incident.ref


@override_settings(RENKEI_API_SUBMIT_RATE_LIMIT=3, RENKEI_API_SUBMIT_RATE_WINDOW=3600)
def test_submissions_over_the_limit_get_429_and_are_not_stored(
    client: Client, personas: dict[str, User]
) -> None:
    user = personas["participant_a"]
    answers = [_submit(client, user, {"ref": f"a-{i}", "category": "other"}) for i in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]

    refused = _submit(client, user, {"ref": "a-3", "category": "other"})
    # Not even read: a flood of bodies the schema refuses is not stored either.
    broken = _submit(client, user, {"category": "not-a-category"})

    assert refused.status_code == broken.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "more than 3 submissions" in refused.json()["detail"]
    assert RawReport.objects.filter(channel="api").count() == 3
    other = _submit(client, personas["participant_b"], {"ref": "b-1", "category": "other"})
    assert other.status_code == 201  # counted per user


@override_settings(RENKEI_API_SUBMIT_RATE_LIMIT=0)
def test_a_limit_of_zero_means_none(client: Client, personas: dict[str, User]) -> None:
    user = personas["participant_a"]
    answers = [_submit(client, user, {"ref": f"a-{i}", "category": "other"}) for i in range(5)]
    assert {a.status_code for a in answers} == {201}
