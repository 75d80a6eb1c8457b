"""Zip member names without the UTF-8 flag: zip tools write the system code page (cp932
on Japanese Windows) or UTF-8 there, while zipfile reads cp437 as the spec says."""

from __future__ import annotations

import io
import zipfile

import pytest

from renkei.lib.archives import inspect_attachment


def _zip_with_raw_name(name: bytes) -> bytes:
    """A zip whose one member's name is these bytes, with the UTF-8 flag unset, as
    Windows Explorer or an old zip tool writes it."""
    placeholder = b"N" * len(name)  # ASCII, so zipfile leaves the flag unset
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(placeholder.decode(), b"MZ" + bytes(100))
    packed = buffer.getvalue()
    assert packed.count(placeholder) == 2  # the local header and the central directory
    return packed.replace(placeholder, name)


@pytest.mark.parametrize(
    ("written", "listed"),
    [
        ("請求書.exe".encode("cp932"), "請求書.exe"),  # Japanese Windows
        ("請求書.exe".encode(), "請求書.exe"),  # UTF-8 without saying so (Info-ZIP, 7-Zip)
        ("résumé.txt".encode("cp437"), "résumé.txt"),  # neither: the spec's cp437 stays
        (b"invoice.pdf.exe", "invoice.pdf.exe"),
    ],
)
def test_a_member_name_without_the_utf8_flag_is_listed_as_its_sender_saw_it(written, listed):
    report = inspect_attachment("attached.zip", _zip_with_raw_name(written))

    [member] = report.members
    assert member.path == f"attached.zip/{listed}"
    assert member.sha256  # read whole: the name is only shown, never used to read


def test_a_member_name_with_the_utf8_flag_is_listed_as_it_is():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("見積書.pdf.exe", b"MZ")  # zipfile sets the flag for non-ASCII

    [member] = inspect_attachment("a.zip", buffer.getvalue()).members

    assert member.path == "a.zip/見積書.pdf.exe"


def test_a_member_with_an_empty_name_does_not_hide_the_others():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with archive.open(zipfile.ZipInfo(""), "w") as unnamed:
            unnamed.write(b"x")
        archive.writestr("a.exe", b"MZ")

    report = inspect_attachment("e.zip", buffer.getvalue())

    assert [m.path for m in report.members] == ["e.zip/", "e.zip/a.exe"]
    assert report.problems == []
