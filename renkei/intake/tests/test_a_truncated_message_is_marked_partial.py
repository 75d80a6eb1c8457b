"""A message cut short (half a base64 attachment, no close boundary) is stored as
`partial` with the defect named, never as complete; harmless defects stay `full`."""

from __future__ import annotations

import pytest

from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report
from renkei.intake.tests.mails import message, multipart
from renkei.lib.tests.damaged_archives import small_zip

pytestmark = pytest.mark.django_db

WHOLE = multipart(
    subject="請求書", text="請求書を送付します。",
    attachments=[("invoice.zip", "application/zip", small_zip() * 3)],
)  # fmt: skip

# Where the attachment's base64 begins; encodebytes writes lines of 76 characters + CRLF.
_START = WHOLE.index(b"\r\n\r\n", WHOLE.index(b'filename="invoice.zip"')) + 4


def _cut(extra: int) -> bytes:
    """The message cut after four whole base64 lines and `extra` characters more."""
    return WHOLE[: _START + 4 * 78 + extra]


def _mail_record(raw: bytes) -> tuple[str, list[str]]:
    outcome = email_receive(raw, collector="test")
    mail = Report.objects.get(pk=outcome.report_id).extra["mail"]
    assert outcome.completeness == mail["completeness"]
    return mail["completeness"], mail["problems"]


def test_the_whole_message_is_full() -> None:
    assert _mail_record(WHOLE) == ("full", [])


# Every remainder of base64 past a quantum (0 to 3 characters); 0 is a cut at a line
# end, which leaves no trace but the missing close boundary.
@pytest.mark.parametrize("extra", range(4))
def test_a_message_cut_in_its_base64_attachment_is_partial_with_the_defect_named(
    extra: int,
) -> None:
    completeness, problems = _mail_record(_cut(extra))

    assert completeness == "partial"
    assert "MIME defect: CloseBoundaryNotFoundDefect" in problems


@pytest.mark.parametrize(
    ("extra", "defect"),
    [(1, "InvalidBase64LengthDefect"), (2, "InvalidBase64PaddingDefect")],
)
def test_base64_that_stops_mid_quantum_is_named_too(extra: int, defect: str) -> None:
    assert f"MIME defect: {defect}" in _mail_record(_cut(extra))[1]


def test_base64_with_stray_characters_loses_nothing_and_stays_full() -> None:
    encoded = message(subject="stray", body=b"44GT44KT44Gr44Gh44Gv*\r\n", cte="7bit")
    raw = encoded.replace(b"Encoding: 7bit", b"Encoding: base64")  # already encoded, with a *

    completeness, problems = _mail_record(raw)

    assert completeness == "full"
    assert problems == ["MIME defect: InvalidBase64CharactersDefect"]
