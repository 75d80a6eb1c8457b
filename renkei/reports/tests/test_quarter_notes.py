"""Analysts' sections: saved by a service with an audit record, rendered as safe HTML."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from renkei.accounts.models import AuditEvent, User
from renkei.lib.errors import NotFound, PermissionDenied, ValidationError
from renkei.reports.markup import markdown_to_html
from renkei.reports.models import QuarterNote
from renkei.reports.periods import Quarter
from renkei.reports.render_html import quarter_notes
from renkei.reports.services import quarter_note_save


def test_markdown_becomes_html() -> None:
    html = markdown_to_html(
        "## LODEINFO\n\n**v0.6.9** seen, see [blog](https://blogs.example.org/x)"
    )

    assert "<h2>LODEINFO</h2>" in html
    assert "<strong>v0.6.9</strong>" in html
    assert 'href="https://blogs.example.org/x"' in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">click</a>',
        '<p onclick="alert(1)">hi</p>',
        "<iframe src=https://evil.example></iframe>",
        '<a href="JaVaScRiPt:alert(1)">x</a>',
    ],
)
def test_scripts_event_handlers_and_javascript_urls_are_removed(attack: str) -> None:
    html = markdown_to_html(f"before\n\n{attack}\n\nafter").lower()

    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html
    assert "after" in html


@pytest.mark.django_db
def test_saving_a_section_writes_an_audit_record(personas: dict[str, User]) -> None:
    note = quarter_note_save(
        actor=personas["analyst"], quarter="2023-04", lang="ja", title="標的型攻撃の傾向",
        body_markdown="LODEINFO", position=2,
    )  # fmt: skip

    event = AuditEvent.objects.get(action="quarter_note.create")
    assert event.actor == personas["analyst"]
    assert event.object_id == str(note.pk)
    assert event.after["title"] == "標的型攻撃の傾向"


@pytest.mark.django_db
def test_changing_a_section_records_before_and_after(personas: dict[str, User]) -> None:
    note = quarter_note_save(
        actor=personas["analyst"], quarter="2023-04", lang="en", title="Old", body_markdown=""
    )

    quarter_note_save(
        actor=personas["coordinator"], quarter="2023-04", lang="en", title="New",
        body_markdown="text", note_id=note.pk,
    )  # fmt: skip

    event = AuditEvent.objects.get(action="quarter_note.update")
    assert (event.before["title"], event.after["title"]) == ("Old", "New")
    note.refresh_from_db()
    assert note.updated_by == personas["coordinator"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["participant_a", "outsider"])
def test_only_center_staff_may_write_sections(personas: dict[str, User], who: str) -> None:
    with pytest.raises(PermissionDenied):
        quarter_note_save(
            actor=personas[who], quarter="2023-04", lang="ja", title="x", body_markdown=""
        )
    assert not AuditEvent.objects.filter(action__startswith="quarter_note").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quarter", "lang", "title"),
    [("2023-4", "ja", "t"), ("2023-04", "fr", "t"), ("2023-04", "ja", " "), ("0001-01", "ja", "t")],
)
def test_a_section_needs_a_quarter_a_language_and_a_title(
    personas: dict[str, User], quarter: str, lang: str, title: str
) -> None:
    with pytest.raises(ValidationError):
        quarter_note_save(
            actor=personas["analyst"], quarter=quarter, lang=lang, title=title, body_markdown=""
        )


@pytest.mark.django_db
def test_a_position_beyond_what_the_database_stores_is_refused(personas: dict[str, User]) -> None:
    with override("en"), pytest.raises(ValidationError, match="position"):
        quarter_note_save(
            actor=personas["analyst"], quarter="2023-04", lang="ja", title="t", body_markdown="",
            position=2**31,
        )  # fmt: skip
    assert not QuarterNote.objects.exists()


@pytest.mark.django_db
def test_sections_are_listed_by_position_in_their_language_only(personas: dict[str, User]) -> None:
    analyst = personas["analyst"]
    for title, position, lang in (("second", 2, "ja"), ("first", 1, "ja"), ("english", 0, "en")):
        quarter_note_save(actor=analyst, quarter="2023-04", lang=lang, title=title,
                          body_markdown="<script>x</script>*ok*", position=position)  # fmt: skip

    notes = quarter_notes(Quarter.parse("2023-04"), "ja")

    assert [n.title for n in notes] == ["first", "second"]
    assert "<script>" not in notes[0].html and "<em>ok</em>" in notes[0].html


@pytest.mark.django_db
def test_a_section_of_another_quarter_is_not_moved_into_this_one(
    personas: dict[str, User],
) -> None:
    note = quarter_note_save(
        actor=personas["analyst"], quarter="2023-04", lang="ja", title="Q1", body_markdown=""
    )

    with override("ja"), pytest.raises(NotFound, match="2023-07 のレポートに"):
        quarter_note_save(
            actor=personas["analyst"], quarter="2023-07", lang="ja", title="moved",
            body_markdown="", note_id=note.pk,
        )  # fmt: skip

    note.refresh_from_db()
    assert (note.quarter, note.title) == ("2023-04", "Q1")
