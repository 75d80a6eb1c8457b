"""What the services refuse reaches the pages in the reader's language, as do the
contact roles and the quarterly section fields; stored details keep their own words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkei.accounts.models import User
from renkei.coordination.models import Contact
from renkei.incidents.tests.factories import ingest
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.models import RawReport


@pytest.mark.django_db
def test_a_merge_without_another_incident_is_refused_in_japanese(
    personas: dict[str, User],
) -> None:
    incident = ingest(url="https://example.com/login").incident
    page = signed_in(personas["analyst"]).post(
        reverse("incidents:merge", args=[incident.ref]), {"refs": incident.ref}
    )
    assert page.status_code == 200
    assert "統合する他のインシデントを 1 件以上選んでください。" in page.content.decode()


@pytest.mark.django_db
def test_a_split_that_would_empty_the_incident_is_refused_in_the_readers_language(
    personas: dict[str, User],
) -> None:
    reports = [
        ingest(url="https://example.com/login", at=f"2025-04-01T{h}:00:00+09:00") for h in (10, 11)
    ]
    incident = reports[0].incident
    url = reverse("incidents:split", args=[incident.ref])
    chosen = {"reports": [r.pk for r in reports]}

    page = signed_in(personas["analyst"]).post(url, chosen).content.decode()
    assert f"{incident.ref} の報告がなくなってしまいます。" in page

    personas["analyst"].language = "en"
    personas["analyst"].save()
    page = signed_in(personas["analyst"]).post(url, chosen).content.decode()
    assert f"{incident.ref} would be left without reports." in page


@pytest.mark.django_db
def test_an_address_already_in_the_directory_is_refused_in_japanese(
    personas: dict[str, User],
) -> None:
    Contact.objects.create(organisation="Hosting JP", email="abuse@hosting-jp.example")
    page = signed_in(personas["analyst"]).post(
        reverse("coordination:contact_new"),
        {
            "organisation": "Hosting JP",
            "email": "Abuse@Hosting-JP.example",
            "role": "hosting",
            "language": "ja",
        },
    )
    assert "abuse@hosting-jp.example はすでに連絡先に登録されています。" in page.content.decode()
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_the_contact_form_names_the_roles_in_japanese(personas: dict[str, User]) -> None:
    page = signed_in(personas["analyst"]).get(reverse("coordination:contact_new")).content.decode()
    assert ">サイト管理者</option>" in page and ">ホスティング事業者</option>" in page
    assert "site owner" not in page and "hosting provider" not in page


@pytest.mark.django_db
def test_the_quarterly_section_form_is_labelled_in_japanese(personas: dict[str, User]) -> None:
    page = signed_in(personas["analyst"]).get(
        reverse("reports:quarterly", kwargs={"quarter": "2025-04"})
    )
    text = page.content.decode()
    assert "見出し" in text and "本文（Markdown）" in text and "表示順" in text
    assert "Body markdown" not in text and ">Lang" not in text


@pytest.mark.django_db
def test_an_unreadable_manual_entry_is_explained_in_japanese_and_kept_in_english(
    personas: dict[str, User],
) -> None:
    form = {"channel": "fax", "received_at": "2025-04-02T09:30", "url": "http://exa mple.com/"}
    page = signed_in(personas["analyst"]).post(reverse("incidents:manual"), form)

    assert "報告を読み取れませんでした: " in page.content.decode()
    raw = RawReport.objects.get(channel="fax")
    assert raw.status == "failed" and raw.error.startswith("not a valid")
