"""The HTTP API at /api/: token auth, submitting (single and batch), reading (staff)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.services import api_token_create
from renkei.incidents.brands import brand_upsert
from renkei.incidents.models import Brand, Incident
from renkei.intake.models import RawReport, Report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog(db: None) -> None:
    """The API links only brands the catalog has; it never adds one."""
    brand_upsert(name="Amazon", country="US", industry="ecommerce", aliases=[])


def token_for(user: User) -> str:
    return api_token_create(actor=user, user=user, name="test")[1]


def _call(client: Client, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(
        path, json.dumps(body), content_type="application/json", **headers
    )


PHISH = {"ref": "c-1", "category": "phishing", "url": "hxxps://login.example-phish[.]xyz/",
         "received_at": "2024-04-01T09:00:00+09:00", "brand": "Amazon"}  # fmt: skip


def test_a_participant_submits_a_report_with_a_token(
    client: Client, personas: dict[str, User]
) -> None:
    response = _call(client, "post", "/api/reports", token_for(personas["participant_a"]), PHISH)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "created" and body["ref"] == "c-1"
    report = Report.objects.get(source="api:participant_a", ref="c-1")
    assert (report.source, report.ref, report.channel) == ("api:participant_a", "c-1", "api")
    assert report.url == "https://login.example-phish.xyz/"
    assert report.brand is not None and report.brand.name == "Amazon"
    assert json.loads(bytes(report.raw.content)) == PHISH  # the request as it came


def test_sending_the_same_ref_again_is_a_duplicate(
    client: Client, personas: dict[str, User]
) -> None:
    token = token_for(personas["participant_a"])
    _call(client, "post", "/api/reports", token, PHISH)

    again = _call(client, "post", "/api/reports", token, PHISH)

    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert Report.objects.count() == 1


def test_a_batch_is_answered_report_by_report(client: Client, personas: dict[str, User]) -> None:
    batch = {"reports": [
        PHISH,
        {"ref": "c-2", "category": "scan", "ip": "198.51.100.7", "ports": ["22/tcp"]},
        {"ref": "c-3", "category": "phishing"},
        {"ref": "c-4", "text": "no category: the classifier decides"},
    ]}  # fmt: skip

    response = _call(client, "post", "/api/reports/batch", token_for(personas["analyst"]), batch)

    body = response.json()
    assert (body["created"], body["duplicates"], body["rejected"]) == (3, 0, 1)
    assert [r["status"] for r in body["results"]] == ["created", "created", "rejected", "created"]
    assert body["results"][2]["reason"] == "a phishing report needs a url"
    assert Report.objects.get(ref="c-4").category_origin == "classifier"
    raw = RawReport.objects.get(channel="api")
    assert raw.status == "parsed" and "c-3" in raw.error


def test_a_ref_sent_twice_in_one_batch_is_created_once_and_then_a_duplicate(
    client: Client, personas: dict[str, User]
) -> None:
    batch = {"reports": [
        {"ref": "b1", "category": "scan", "ip": "198.51.100.1"},
        {"ref": "b1", "category": "scan", "ip": "198.51.100.2"},
    ]}  # fmt: skip

    response = _call(client, "post", "/api/reports/batch", token_for(personas["analyst"]), batch)

    body = response.json()
    assert [r["status"] for r in body["results"]] == ["created", "duplicate"]
    assert (body["created"], body["duplicates"]) == (1, 1)
    assert list(Report.objects.values_list("ip", flat=True)) == ["198.51.100.1"]


def test_a_request_the_schema_refuses_is_kept_as_a_failed_raw_report(
    client: Client, personas: dict[str, User]
) -> None:
    response = _call(client, "post", "/api/reports", token_for(personas["analyst"]),
                     {"category": "not-a-category"})  # fmt: skip

    assert response.status_code == 422
    raw = RawReport.objects.get(channel="api")
    assert raw.status == "failed" and "not-a-category" in bytes(raw.content).decode()


def test_without_a_valid_token_nothing_is_accepted(client: Client) -> None:
    assert _call(client, "post", "/api/reports", None, PHISH).status_code == 401
    assert _call(client, "post", "/api/reports", "rk_not-a-token", PHISH).status_code == 401
    assert RawReport.objects.count() == 0


def test_staff_read_reports_and_incidents_page_by_page(
    client: Client, personas: dict[str, User]
) -> None:
    token = token_for(personas["analyst"])
    for number in range(3):
        _call(
            client,
            "post",
            "/api/reports",
            token,
            PHISH | {"ref": f"r{number}", "url": f"https://p{number}.example-phish.xyz/"},
        )

    page = _call(client, "get", "/api/reports?limit=2&offset=0", token).json()
    rest = _call(client, "get", "/api/reports?limit=2&offset=2", token).json()
    incidents = _call(client, "get", "/api/incidents?limit=10", token).json()

    assert (page["count"], len(page["items"]), len(rest["items"])) == (3, 2, 1)
    assert page["items"][0]["incident"].startswith("I-")
    assert incidents["count"] == 3
    ref = incidents["items"][0]["ref"]
    detail = _call(client, "get", f"/api/incidents/{ref}", token).json()
    assert detail["report_count"] == 1 and detail["brand"] == "Amazon"
    report_id = page["items"][0]["id"]
    assert _call(client, "get", f"/api/reports/{report_id}", token).json()["id"] == report_id


def test_report_pages_follow_their_cursor_while_reports_arrive(
    client: Client, personas: dict[str, User]
) -> None:
    token = token_for(personas["analyst"])

    def submit(ref: str, received_at: str) -> None:
        body = PHISH | {"ref": ref, "url": f"https://{ref}.example-phish.xyz/",
                        "received_at": received_at}  # fmt: skip
        assert _call(client, "post", "/api/reports", token, body).status_code == 201

    for number in range(5):  # two share a time: the id orders them
        submit(f"old{number}", f"2024-04-0{1 + min(number, 3)}T09:00:00+09:00")
    first = _call(client, "get", "/api/reports?limit=2", token).json()
    submit("new", "2024-05-01T09:00:00+09:00")  # newest: an offset would shift every page
    second = _call(client, "get", f"/api/reports?limit=2&cursor={first['next']}", token).json()
    third = _call(client, "get", f"/api/reports?limit=2&cursor={second['next']}", token).json()

    refs = [[item["ref"] for item in page["items"]] for page in (first, second, third)]
    assert refs == [["old4", "old3"], ["old2", "old1"], ["old0"]]
    assert (first["more"], second["more"], third["more"]) == (True, True, False)
    assert third["next"] is None and third["count"] == 6


def test_a_report_cursor_that_was_not_given_out_is_refused(
    client: Client, personas: dict[str, User]
) -> None:
    token = token_for(personas["analyst"])

    for query in ("cursor=yesterday~1", "cursor=2024-04-01T00:00:00Z~1&offset=2"):
        response = _call(client, "get", f"/api/reports?{query}", token)
        assert response.status_code == 422, query


def test_a_participant_may_submit_but_not_read(client: Client, personas: dict[str, User]) -> None:
    token = token_for(personas["participant_a"])

    assert _call(client, "get", "/api/reports", token).status_code == 403
    assert _call(client, "get", "/api/incidents", token).status_code == 403


def test_the_outsider_cannot_read_anything(client: Client, personas: dict[str, User]) -> None:
    token = token_for(personas["outsider"])
    Incident.objects.all().delete()

    assert _call(client, "get", "/api/incidents", token).status_code == 403


def test_unknown_objects_are_404(client: Client, personas: dict[str, User]) -> None:
    token = token_for(personas["analyst"])

    assert _call(client, "get", "/api/incidents/I-0000000000", token).status_code == 404
    assert _call(client, "get", "/api/reports/999999", token).status_code == 404


def test_the_openapi_document_describes_the_api(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()

    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/reports",
        "/api/reports/batch",
        "/api/reports/{report_id}",
        "/api/incidents",
        "/api/incidents/{ref}",
    }
    assert "BearerToken" in schema["components"]["securitySchemes"]


def test_a_request_over_the_size_limit_is_refused_with_413(
    client: Client, personas: dict[str, User], settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = {"reports": [{"text": "x" * 20_000}]}

    response = _call(client, "post", "/api/reports/batch", token_for(personas["analyst"]), big)

    assert response.status_code == 413
    assert response.json()["detail"] == "the request is larger than 10000 bytes"


def test_a_brand_the_catalog_does_not_know_stays_on_the_report_only(
    client: Client, personas: dict[str, User]
) -> None:
    body = {**PHISH, "ref": "c-unknown", "brand": "Brand Nobody Knows"}

    response = _call(client, "post", "/api/reports", token_for(personas["participant_a"]), body)

    assert response.status_code == 201
    report = Report.objects.get(ref="c-unknown")
    assert report.brand is None and report.brand_as_received == "Brand Nobody Knows"
    assert not Brand.objects.filter(name="Brand Nobody Knows").exists()
