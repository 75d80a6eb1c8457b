"""The notify form after its contact or language changed (the htmx request behind
the two selects): a chosen contact brings its own language, address and country;
what the user typed or edited is not thrown away."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.directory import contact_save
from renkei.coordination.models import Contact
from renkei.incidents.models import Incident
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in


def _overseas(admin: User) -> Contact:
    return contact_save(
        actor=admin,
        contact=None,
        data={"organisation": "KrCERT", "email": "cert@krcert.example", "country": "KR"}
        | {"language": "en", "role": "csirt"},
    )


def _fields(html: str) -> dict[str, str]:
    """The form's values as the browser would send them."""
    values = {
        name: unescape(value)
        for name, value in re.findall(r'<input [^>]*name="(\w+)"[^>]*value="([^"]*)"', html)
    }
    for select in ("contact", "language", "basis"):
        block = re.search(rf'<select name="{select}".*?</select>', html, re.S)
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', block[0]) if block else None
        values[select] = chosen[1] if chosen else ""
    body = re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', html, re.S)
    values["body"] = unescape(body[1]) if body else ""
    return values


def _change(client: Client, incident: Incident, fields: dict[str, str], changed: str) -> str:
    """What the page shows after `changed` ("contact" or "language") was set in `fields`."""
    response = client.post(
        reverse("coordination:notify_draft", args=[incident.ref]), fields | {"changed": changed}
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def incident(db: None) -> Incident:
    return ingest(url="https://example.com/login", brand="Example Bank").incident


@pytest.mark.django_db
def test_choosing_a_contact_switches_the_form_to_the_contacts_language(
    personas: dict[str, User], incident: Incident
) -> None:
    contact = _overseas(personas["admin"])
    client = signed_in(personas["analyst"])  # whose console is in Japanese
    opened = _fields(
        client.get(reverse("coordination:notify", args=[incident.ref])).content.decode()
    )
    assert opened["language"] == "ja"

    page = _fields(_change(client, incident, opened | {"contact": str(contact.pk)}, "contact"))
    assert page["language"] == "en"
    assert (page["recipient"], page["recipient_country"]) == ("cert@krcert.example", "KR")
    assert "impersonate Example Bank" in page["body"]

    page = _fields(_change(client, incident, page | {"language": "ja"}, "language"))
    assert page["language"] == "ja" and "「Example Bank」を装っている" in page["body"]


@pytest.mark.django_db
def test_changing_the_language_keeps_what_was_typed_and_follows_an_unedited_template(
    personas: dict[str, User], incident: Incident
) -> None:
    client = signed_in(personas["analyst"])
    opened = _fields(
        client.get(reverse("coordination:notify", args=[incident.ref])).content.decode()
    )
    typed = opened | {
        "recipient": "Abuse@Hosting-JP.example",
        "recipient_country": "JP",
        "basis": "site_confirmed",
    }
    html = _change(client, incident, typed | {"language": "en"}, "language")
    page = _fields(html)
    assert (page["recipient"], page["recipient_country"], page["basis"]) == (
        "Abuse@Hosting-JP.example",
        "JP",
        "site_confirmed",
    )
    assert "impersonate Example Bank" in page["body"] and 'id="kept-edits"' not in html


@pytest.mark.django_db
def test_an_edited_subject_and_message_survive_a_change_of_language_or_contact(
    personas: dict[str, User], incident: Incident
) -> None:
    contact = _overseas(personas["admin"])
    client = signed_in(personas["analyst"])
    opened = _fields(
        client.get(reverse("coordination:notify", args=[incident.ref])).content.decode()
    )
    # The browser sends a textarea's lines with CRLF: an unedited body is still unedited.
    untouched = opened | {"body": opened["body"].replace("\n", "\r\n")}
    assert (
        "impersonate"
        in _fields(_change(client, incident, untouched | {"language": "en"}, "language"))["body"]
    )

    edited = opened | {"subject": "至急: 偽サイト", "body": "ご担当者様\r\n手書きの本文です。"}
    html = _change(client, incident, edited | {"language": "en"}, "language")
    page = _fields(html)
    assert (page["subject"], page["body"]) == ("至急: 偽サイト", "ご担当者様\r\n手書きの本文です。")
    assert 'id="kept-edits"' in html

    page = _fields(_change(client, incident, page | {"contact": str(contact.pk)}, "contact"))
    assert page["body"] == "ご担当者様\r\n手書きの本文です。"
    assert page["recipient"] == "cert@krcert.example"


@pytest.mark.django_db
def test_the_outsider_cannot_ask_for_a_draft(personas: dict[str, User], incident: Incident) -> None:
    response = signed_in(personas["outsider"]).post(
        reverse("coordination:notify_draft", args=[incident.ref]), {"changed": "language"}
    )
    assert response.status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("contact", ["²", "٣", "9" * 40, "x"])
def test_a_contact_that_is_no_id_opens_the_form_without_one(
    personas: dict[str, User], incident: Incident, contact: str
) -> None:
    client = signed_in(personas["analyst"])

    opened = client.get(reverse("coordination:notify", args=[incident.ref]), {"contact": contact})
    changed = client.post(
        reverse("coordination:notify_draft", args=[incident.ref]),
        {"contact": contact, "changed": "contact"},
    )

    assert (opened.status_code, changed.status_code) == (200, 200)
    assert _fields(opened.content.decode()).get("recipient", "") == ""
