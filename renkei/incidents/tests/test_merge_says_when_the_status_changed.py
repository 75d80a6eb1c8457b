"""The merge page says so when the records merged in change the incident's status."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.decisions import incident_resolve
from renkei.incidents.models import Incident, IncidentMerge
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _merge(user: User, target: Incident, source: Incident, language: str) -> list[str]:
    user.language = language  # the console speaks the signed-in person's language
    user.save(update_fields=["language"])
    response = signed_in(user).post(
        reverse("incidents:merge", args=[target.ref]), {"refs": source.ref}
    )
    assert response.status_code == 302
    return [str(m) for m in get_messages(response.wsgi_request)]


def _pair() -> tuple[Incident, Incident]:
    target = ingest(url="https://a.example/login", at="2025-04-01T10:00:00+09:00").incident
    source = ingest(url="https://b.example/login", at="2025-04-02T10:00:00+09:00").incident
    return target, source


def test_merging_a_resolved_twin_into_an_open_incident_says_it_is_now_resolved(
    personas: dict[str, User],
) -> None:
    target, source = _pair()
    incident_resolve(actor=personas["analyst"], incident=source)

    said = _merge(personas["analyst"], target, source, "en")

    assert said == [
        f"The incidents were merged into {target.ref}.",
        f"The status of {target.ref} changed from open to resolved"
        " with the records of the incidents merged into it.",
    ]


def test_the_status_change_is_said_in_japanese_too(personas: dict[str, User]) -> None:
    target, source = _pair()
    incident_resolve(actor=personas["analyst"], incident=source)

    said = _merge(personas["analyst"], target, source, "ja")

    assert said[1] == (
        f"統合したインシデントの記録により、{target.ref} の状態が「未対応」から「解決済み」に変わりました。"
    )


def test_merging_an_open_twin_says_only_that_it_merged(personas: dict[str, User]) -> None:
    target, source = _pair()

    assert _merge(personas["analyst"], target, source, "en") == [
        f"The incidents were merged into {target.ref}."
    ]


def test_undoing_the_merge_says_the_status_went_back(personas: dict[str, User]) -> None:
    target, source = _pair()
    incident_resolve(actor=personas["analyst"], incident=source)
    _merge(personas["analyst"], target, source, "en")
    merge = IncidentMerge.objects.get(target=target, source=source)

    response = signed_in(personas["analyst"]).post(reverse("incidents:unmerge", args=[merge.pk]))

    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said[-1] == (
        f"The status of {target.ref} changed from resolved to open"
        " with the records of the merged incident taken back out."
    )
