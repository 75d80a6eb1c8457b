"""Every route of the URLconf, walked: only the public ones answer anyone outside the staff.

A page added later is checked without being listed here: anonymous visitors are
sent to sign in (or, on the API, asked for a token), participants and the
outsider are refused, whatever the method and whichever real object the URL
names. Only the routes in PUBLIC may answer them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from renkei.accounts.models import User
from renkei.coordination.models import NotificationTemplate
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.attachments import Attachment
from renkei.intake.collectors.mail import email_receive
from renkei.intake.tests.mails import multipart

# Open to everyone by design: signing in and out, password reset, the language
# switch, the public report form and its thanks, the report stylesheet, the
# OpenAPI document, the admin's sign-in page. The two-factor pages are a
# signed-in person's own enrolment and codes.
PUBLIC = {
    "accounts:login", "accounts:logout", "accounts:password_reset",
    "accounts:password_reset_done", "accounts:password_reset_confirm",
    "accounts:password_reset_complete", "accounts:language", "accounts:2fa_verify",
    "accounts:2fa_setup", "reports:style", "intake:submit", "intake:submit_done",
    "intake:api:openapi-json", "admin:login", "admin:logout",
}  # fmt: skip
# Open to the community's participants, each showing their own only: the home page
# (what a member can do) and their API tokens. Not to the outsider (a reporter).
FOR_PARTICIPANTS = {"dashboard", "accounts:tokens"}
SIGN_IN = ("/accounts/login/", "/admin/login/")


def _routes(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, list[str]]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            qualified = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _routes(pattern.url_patterns, qualified)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, list(pattern.pattern.regex.groupindex)


def _urls(values: dict[str, str], by_route: dict[str, dict[str, str]]) -> set[tuple[str, str]]:
    urls = set()
    for name, keys in _routes(get_resolver().url_patterns):
        if name in PUBLIC:
            continue
        chosen = {**values, **by_route.get(name, {})}
        urls.add((name, reverse(name, kwargs={key: chosen[key] for key in keys})))
    return urls


def _refused(response: Any, *, anonymous: bool, url: str) -> bool:
    if response.status_code in (404, 405):
        return True
    if response.status_code == 302:
        return str(response["Location"]).startswith(SIGN_IN)
    if response.status_code == 401:  # no token: the API, and django-rq's statistics
        return url.startswith("/api/") or "/django_rq/" in url
    return response.status_code == 403 and not anonymous


@pytest.mark.django_db
def test_every_route_refuses_anonymous_visitors_participants_and_the_outsider(
    personas: dict[str, User],
) -> None:
    report = ingest(url="https://example.com/login")
    email_receive(
        multipart(subject="sample", text="malware attached",
                  attachments=[("sample.exe", "application/octet-stream", b"MZ" + bytes(64))]),
        collector="test",
    )  # fmt: skip
    attachment = Attachment.objects.get()
    values = {
        "pk": "1", "ref": report.incident.ref, "report_id": str(report.pk), "quarter": "2025-04",
        "fmt": "json", "app_label": "accounts", "object_id": "1", "id": "1", "content_type_id": "1",
        "token": "x", "queue_index": "0", "job_id": "x", "result_id": "x", "key": "x",
        "scheduler_index": "0", "connection_index": "0", "scheduler_name": "x",
        "cron_job_name": "x",
    }  # fmt: skip
    by_route = {
        "incidents:raw": {"pk": str(report.pk)},
        "intake:report_classify": {"pk": str(report.pk)},
        "intake:raw_download": {"pk": str(report.raw_id)},
        "intake:raw_reprocess": {"pk": str(report.raw_id)},
        "intake:attachment_download": {"pk": str(attachment.pk)},
        "coordination:template_edit": {"pk": str(NotificationTemplate.objects.first().pk)},
        "coordination:template_preview": {"pk": str(NotificationTemplate.objects.first().pk)},
    }
    urls = _urls(values, by_route)
    assert len(urls) > 80  # the walk reached the apps' and the admin's routes
    # Django's "staff status" alone, left on a participant, opens nothing either.
    personas["participant_b"].is_staff = True
    personas["participant_b"].save(update_fields=["is_staff"])
    visitors = {
        "anonymous": Client(),
        "participant_a": signed_in(personas["participant_a"]),
        "participant_b with staff status": signed_in(personas["participant_b"]),
        "outsider": signed_in(personas["outsider"]),
    }

    answered = [
        f"{who} {method.upper()} {url} ({name}): {response.status_code}"
        for name, url in sorted(urls)
        for who, client in visitors.items()
        for method in ("get", "post")
        if not _refused(
            response := getattr(client, method)(url), anonymous=who == "anonymous", url=url
        )
        and not (who.startswith("participant") and name in FOR_PARTICIPANTS)
    ]

    assert answered == []
