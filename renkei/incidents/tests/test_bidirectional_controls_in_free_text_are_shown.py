"""Direction and zero-width marks in what reporters send are shown as <U+…>, so that
"山田太郎<RLO>gnp.exe" does not read as "山田太郎exe.png" on the console."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import Contact
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in

RLO, PDF = "\u202e", "\u202c"
REPORTER = f"山田太郎{RLO}gnp.exe{PDF}"
BRAND = f"Example{RLO} Bank"  # never closed: it would turn the rest of the line around


def _shown(page: str) -> str:
    return re.sub(r'value="[^"]*"', "", page)


@pytest.mark.django_db
def test_the_incident_page_shows_the_marks_of_a_hostile_reporter_and_brand(
    personas: dict[str, User],
) -> None:
    report = ingest(url="https://example.com/login", reporter=REPORTER, brand=BRAND)

    page = signed_in(personas["analyst"]).get(
        reverse("incidents:detail", args=[report.incident.ref])
    )

    text = page.content.decode()
    assert "山田太郎&lt;U+202E&gt;gnp.exe&lt;U+202C&gt;" in text
    assert "Example&lt;U+202E&gt; Bank" in text
    # Input values stay as they are: they are sent back, not read.
    assert RLO not in _shown(text)


@pytest.mark.django_db
def test_the_queue_shows_the_marks_of_a_hostile_brand(personas: dict[str, User]) -> None:
    ingest(url="https://example.com/login", brand=BRAND)

    text = signed_in(personas["analyst"]).get(reverse("incidents:queue")).content.decode()

    assert "Example&lt;U+202E&gt; Bank" in text and RLO not in _shown(text)


@pytest.mark.django_db
def test_the_notify_page_and_the_contact_page_show_the_marks_of_a_hostile_organisation(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/login").incident
    contact = Contact.objects.create(
        organisation=f"Evil {RLO}exe.txt Org", email="abuse@bad.example", language="en"
    )
    client = signed_in(personas["admin"])

    notify = client.get(reverse("coordination:notify", args=[incident.ref])).content.decode()
    edit = client.get(reverse("coordination:contact_edit", args=[contact.pk])).content.decode()
    merge = client.post(reverse("incidents:merge", args=[incident.ref]), {"refs": f"I-{RLO}123"})

    assert "Evil &lt;U+202E&gt;exe.txt Org &lt;abuse@bad.example&gt;" in notify
    assert RLO not in _shown(notify)
    assert "<h1>Evil &lt;U+202E&gt;exe.txt Org</h1>" in edit
    assert "I-&lt;U+202E&gt;123" in merge.content.decode()  # the error; the textarea keeps it
