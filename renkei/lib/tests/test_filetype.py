"""renkei.lib.filetype: content first, name where content is ambiguous."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from renkei.lib import filetype
from renkei.lib.filetype import detect, kind_for

PE = b"MZ" + b"\x00" * 62 + b"PE\x00\x00" + bytes(200)
IHDR = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + IHDR + struct.pack(">I", zlib.crc32(b"IHDR" + IHDR))
LNK = b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + bytes(60)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "a")
    return buffer.getvalue()


CASES = [
    (PE, "invoice.pdf.exe", "executable"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a.pdf", "pdf"),
    (_zip(), "a.zip", "archive"),
    (b"\x1f\x8b\x08\x00" + bytes(20), "a.gz", "archive"),
    (LNK, "shortcut.lnk", "shortcut"),
    (b"<html><body><form action=x></form></body></html>", "login.html", "html"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>', "a.svg", "html"),
    (PNG, "logo.png", "image"),
    (b"just some words\n", "notes.txt", "text"),
    (b'Set s = CreateObject("WScript.Shell")\n', "run.vbs", "script"),
    (b"#!/bin/sh\necho hi\n", "x", "script"),
    (b"{\\rtf1\\ansi hello}", "doc.rtf", "office"),
    (bytes(4096), "disk.img", "disk_image"),
    (bytes(64), "blob.bin", "other"),
]


@pytest.mark.parametrize(("data", "name", "kind"), CASES, ids=[case[1] for case in CASES])
def test_it_classifies_content_with_libmagic(data, name, kind):
    result = detect(data, name)

    assert result.kind == kind
    assert result.mime
    assert "signature table" not in result.description


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (PE, "a.exe", "executable"),
        (_zip(), "a.zip", "archive"),
        (LNK, "a.lnk", "shortcut"),
        (b"%PDF-1.4", "a.pdf", "pdf"),
        (b"<!DOCTYPE html><p>x", "a.htm", "html"),
        (b"WScript.Echo 1", "a.vbs", "script"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "a.doc", "office"),
        (bytes(100), "a.iso", "disk_image"),
    ],
)
def test_it_falls_back_to_a_signature_table_without_libmagic(monkeypatch, data, name, kind):
    monkeypatch.setattr(filetype, "_libmagic", None)

    result = detect(data, name)

    assert result.kind == kind
    assert "libmagic unavailable" in result.description


def test_the_name_only_refines_ambiguous_content():
    assert kind_for("text/plain", "payload.js") == "script"
    assert kind_for("application/x-dosexec", "readme.txt") == "executable"
    assert kind_for("application/octet-stream", "cd.iso") == "disk_image"
    assert kind_for("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") == "office"


def test_empty_data_is_other():
    assert detect(b"").kind == "other"
