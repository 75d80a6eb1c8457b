"""renkei.lib.archives: hostile attachments are listed, never trusted.

Every archive here is generated in memory by the test that uses it, so no
binary blob (and no real malware) lives in the repository.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import struct
import tarfile
import zipfile
import zlib

import py7zr
import pytest
import pyzipper
from hypothesis import given, settings
from hypothesis import strategies as st

from renkei.lib import archives
from renkei.lib.archives import Limits, candidate_passwords, inspect_attachment, zip_for_download

MB = 1024 * 1024
PE = b"MZ" + b"\x00" * 62 + b"PE\x00\x00" + bytes(range(256))


def make_zip(files: dict[str, bytes], *, password: str | None = None) -> bytes:
    buffer = io.BytesIO()
    if password is None:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
    else:
        with pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive:
            archive.setpassword(password.encode())
            for name, data in files.items():
                archive.writestr(name, data)
    return buffer.getvalue()


def make_7z(files: dict[str, bytes], *, password: str | None = None, headers=False) -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w", password=password, header_encryption=headers) as archive:
        for name, data in files.items():
            archive.writestr(data, name)
    return buffer.getvalue()


def _vint(number: int) -> bytes:
    """RAR 5's variable-length integer: 7 bits a byte, low first, high bit = more."""
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _rar_block(kind: int, body: bytes, data: bytes | None = None) -> bytes:
    fields = _vint(kind) + _vint(0x0002 if data is not None else 0)  # 0x0002: a data area
    fields += (_vint(len(data)) if data is not None else b"") + body
    sized = _vint(len(fields)) + fields
    return struct.pack("<I", zlib.crc32(sized)) + sized + (data or b"")


def make_rar(files: dict[str, bytes]) -> bytes:
    """A RAR 5 archive with stored (uncompressed) files, after RARLAB's format description.

    No free tool writes RAR, so the tests build one: signature, main header,
    one file header and data per file, end of archive.
    """
    out = b"Rar!\x1a\x07\x01\x00" + _rar_block(1, _vint(0))
    for name, data in files.items():
        encoded = name.encode()
        body = (
            _vint(0x0004) + _vint(len(data)) + _vint(0x20)  # flags (CRC present), size, attributes
            + struct.pack("<I", zlib.crc32(data))
            + _vint(0) + _vint(0)  # compression: version 0, stored; host OS: Windows
            + _vint(len(encoded)) + encoded
        )  # fmt: skip
        out += _rar_block(2, body, data)
    return out + _rar_block(5, _vint(0))


def _crc_step(crc: int, byte: int) -> int:
    """One byte of the raw CRC-32 update that PKWARE's key schedule uses."""
    return zlib.crc32(bytes((byte,)), crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF


class _ZipCryptoKeys:
    """Traditional PKWARE encryption (APPNOTE 6.1), which zipfile cannot write."""

    def __init__(self, password: bytes) -> None:
        self.keys = [0x12345678, 0x23456789, 0x34567890]
        for byte in password:
            self._update(byte)

    def _update(self, byte: int) -> None:
        key0 = _crc_step(self.keys[0], byte)
        key1 = ((self.keys[1] + (key0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        self.keys = [key0, key1, _crc_step(self.keys[2], key1 >> 24)]

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            temp = (self.keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            self._update(byte)
        return bytes(out)


def make_zipcrypto(name: str, data: bytes, password: str) -> bytes:
    """One stored member, ZipCrypto-encrypted, written field by field."""
    crc = zlib.crc32(data)
    header = os.urandom(11) + bytes((crc >> 24,))
    payload = _ZipCryptoKeys(password.encode()).encrypt(header + data)
    encoded = name.encode()
    sizes = (crc, len(payload), len(data), len(encoded))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 1, 0, 0, 0x21, *sizes, 0) + encoded
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 1, 0, 0, 0x21, *sizes, 0, 0, 0, 0, 0, 0
        )
        + encoded
    )
    offset = len(local) + len(payload)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset, 0)
    return local + payload + central + end


def test_it_stops_a_zip_bomb_with_a_reason():
    bomb = make_zip({"readme.txt": b"hello", "zeros.bin": bytes(5 * MB), "after.txt": b"x"})

    report = inspect_attachment("bomb.zip", bomb)

    assert report.stopped is not None
    assert "zip bomb" in report.stopped
    assert [(member.path, member.complete) for member in report.members] == [
        ("bomb.zip/readme.txt", True),
        ("bomb.zip/zeros.bin", False),
        ("bomb.zip/after.txt", False),
    ]


def test_it_does_not_call_small_compressible_files_a_bomb():
    report = inspect_attachment("ok.zip", make_zip({"blank.txt": bytes(200_000)}))

    assert report.stopped is None
    assert report.members[0].size == 200_000


def test_it_stops_at_the_total_size_limit():
    noise = os.urandom(300_000)
    zipped = make_zip({f"{index}.bin": noise for index in range(5)})

    report = inspect_attachment("big.zip", zipped, limits=Limits(max_total_size=1_000_000))

    assert report.stopped is not None
    assert "in total" in report.stopped


def test_it_skips_a_member_over_the_member_limit_and_goes_on():
    zipped = make_zip({"large.bin": os.urandom(5000), "small.txt": b"ok"})

    report = inspect_attachment("a.zip", zipped, limits=Limits(max_member_size=1000))

    large, small = report.members
    assert not large.complete
    assert small.complete
    assert report.stopped is None
    assert any("larger than 1000" in problem for problem in report.problems)


def test_it_stops_at_the_member_count_limit():
    zipped = make_zip({f"{index}.txt": b"x" for index in range(20)})

    report = inspect_attachment("many.zip", zipped, limits=Limits(max_members=5))

    assert len(report.members) == 5
    assert report.stopped is not None
    assert "more than 5 members" in report.stopped


def test_it_stops_descending_at_the_depth_limit():
    data = b"MZ innermost"
    name = "payload.exe"
    for level in range(7):
        data, name = make_zip({name: data}), f"level{level}.zip"

    report = inspect_attachment(name, data)

    paths = [member.path for member in report.walk()]
    assert len(paths) == 6  # the attachment and five levels of members
    assert paths[-1].count("/") == 5
    assert any("nested deeper than 5" in problem for problem in report.problems)


def test_it_opens_an_aes_zip_with_the_password_from_the_body():
    body = "お世話になっております。\n添付ファイルのパスワード：Xy7#pass\nよろしくお願いします。"
    zipped = make_zip({"見積書.xlsm.exe": PE}, password="Xy7#pass")

    report = inspect_attachment("見積書.zip", zipped, passwords=candidate_passwords(body))

    [member] = report.members
    assert member.encrypted
    assert member.password_used == "Xy7#pass"
    assert member.sha256 == hashlib.sha256(PE).hexdigest()
    assert member.filetype.kind == "executable"
    assert member.is_executable


def test_it_opens_a_zipcrypto_zip():
    zipped = make_zipcrypto("invoice.js", b"WScript.Echo(1)", "secret")

    report = inspect_attachment("invoice.zip", zipped, passwords=["wrong", "secret"])

    [member] = report.members
    assert (member.encrypted, member.password_used, member.size) == (True, "secret", 15)
    assert member.filetype.kind == "script"


def test_it_lists_an_encrypted_zip_without_the_password_as_unread():
    zipped = make_zip({"invoice.exe": PE}, password="unknown")

    report = inspect_attachment("a.zip", zipped, passwords=["nope"])

    [member] = report.members
    assert member.encrypted
    assert not member.complete
    assert member.password_used is None
    assert member.is_executable  # the name alone says so
    assert any("no candidate password worked" in problem for problem in report.problems)


def test_it_tries_the_conventional_infected_password():
    report = inspect_attachment("sample.zip", make_zip({"x.exe": PE}, password="infected"))

    assert report.members[0].password_used == "infected"


def test_it_opens_an_encrypted_7z_with_a_japanese_password():
    sevenzip = make_7z({"docs/請求書.pdf.scr": PE}, password="秘密のパス")
    body = "解凍パスワードは「秘密のパス」です。"

    report = inspect_attachment("請求書.7z", sevenzip, passwords=candidate_passwords(body))

    [member] = report.members
    assert member.path == "請求書.7z/docs/請求書.pdf.scr"
    assert member.password_used == "秘密のパス"
    assert member.is_executable


def test_it_opens_a_7z_with_encrypted_headers():
    sevenzip = make_7z({"a.txt": b"hello"}, password="pw", headers=True)

    report = inspect_attachment("a.7z", sevenzip, passwords=["pw"])

    assert [member.path for member in report.members] == ["a.7z/a.txt"]


def test_it_lists_an_encrypted_7z_without_the_password_as_unread():
    report = inspect_attachment("a.7z", make_7z({"run.bat": b"@echo off"}, password="pw"))

    [member] = report.members
    assert (member.path, member.complete, member.encrypted) == ("a.7z/run.bat", False, True)
    assert member.is_executable


def test_it_stops_a_7z_bomb():
    report = inspect_attachment("b.7z", make_7z({"a.txt": b"a", "zeros": bytes(5 * MB)}))

    assert report.stopped is not None
    assert "zip bomb" in report.stopped
    assert [member.complete for member in report.members] == [True, False]


def test_it_unpacks_tar_gz():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("bin/update.sh")
        info.size = 17
        tar.addfile(info, io.BytesIO(b"#!/bin/sh\nid\necho"))
    report = inspect_attachment("update.tar.gz", gzip.compress(buffer.getvalue()))

    paths = [member.path for member in report.walk()]
    assert paths == [
        "update.tar.gz",
        "update.tar.gz/update.tar",
        "update.tar.gz/update.tar/bin/update.sh",
    ]
    assert list(report.walk())[-1].is_executable


needs_rar_tool = pytest.mark.skipif(
    not archives._rar_available(),
    reason="no RAR tool (unar, unrar or bsdtar) or rarfile: scripts/system-deps.sh installs unar",
)


@needs_rar_tool
def test_it_lists_a_rar_inside_a_zip_with_hashes_and_types():
    rar = make_rar({"invoice.txt": b"see the attachment\n", "bin/setup.exe": PE})
    zipped = make_zip({"documents.rar": rar})

    report = inspect_attachment("mail.zip", zipped)

    members = {member.path: member for member in report.walk()}
    assert report.problems == []
    assert list(members) == [
        "mail.zip",
        "mail.zip/documents.rar",
        "mail.zip/documents.rar/invoice.txt",
        "mail.zip/documents.rar/bin/setup.exe",
    ]
    executable = members["mail.zip/documents.rar/bin/setup.exe"]
    assert executable.is_executable
    assert executable.sha256 == hashlib.sha256(PE).hexdigest()


@needs_rar_tool
def test_a_rar_with_a_damaged_header_is_recorded_as_unreadable():
    rar = make_rar({"a.txt": b"hello" * 100})
    damaged = rar[:30] + bytes(10) + rar[40:]  # inside the file header

    report = inspect_attachment("a.rar", damaged)

    assert [problem.split(" (")[0] for problem in report.problems] == ["a.rar: unreadable rar"]


@needs_rar_tool
def test_a_rar_member_with_damaged_data_is_recorded_as_unreadable_not_encrypted():
    rar = make_rar({"a.txt": b"hello" * 100})
    damaged = rar[:-120] + bytes(10) + rar[-110:]  # inside the file's data

    report = inspect_attachment("a.rar", damaged)

    assert [problem.split(" (")[0] for problem in report.problems] == [
        "a.rar/a.txt: cannot be read"
    ]


def test_it_records_rar_without_a_tool(monkeypatch):
    monkeypatch.setattr(archives, "_rar_available", lambda: False)

    report = inspect_attachment("a.rar", b"Rar!\x1a\x07\x01\x00" + bytes(64))

    assert report.problems == ["rar: no extraction tool available"]
    assert report.root.filetype.kind == "archive"


def test_it_survives_a_damaged_archive():
    zipped = make_zip({"a.txt": b"hello" * 100})
    damaged = zipped[:40] + bytes(20) + zipped[60:]

    report = inspect_attachment("damaged.zip", damaged)

    assert report.root.sha256
    assert report.problems


def _docx_with_external_template() -> bytes:
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
        'Target="http://template.example/t.dotm" TargetMode="External"/></Relationships>'
    )
    package = "http://schemas.openxmlformats.org/package/2006"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    types = (
        f'<?xml version="1.0"?><Types xmlns="{package}/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
    )
    root_rels = (
        f'<?xml version="1.0"?><Relationships xmlns="{package}/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    return make_zip(
        {
            "[Content_Types].xml": types.encode(),
            "_rels/.rels": root_rels.encode(),
            "word/document.xml": b"<w:document/>",
            "word/_rels/document.xml.rels": rels.encode(),
        }
    )


def test_it_reports_office_indicators_instead_of_listing_the_document():
    report = inspect_attachment("report.docx", _docx_with_external_template())

    assert report.root.filetype.kind == "office"
    assert report.members == []
    assert report.root.office is not None
    assert report.root.office["has_macros"] is False
    assert any("External Relationships" in flag for flag in report.root.office["suspicious"])


def test_it_flags_an_equation_editor_object_in_rtf():
    class_name = b"Equation.3\x00"
    native = b"\x01" * 32
    ole1 = (
        struct.pack("<III", 0x0501, 2, len(class_name))
        + class_name
        + struct.pack("<III", 0, 0, len(native))
        + native
    )
    rtf = b"{\\rtf1{\\object\\objemb{\\*\\objdata " + ole1.hex().encode() + b"}}}"

    office = inspect_attachment("doc.rtf", rtf).root.office

    assert office is not None
    assert office["objects"] == ["Equation.3"]
    assert any("CVE-2017-11882" in flag for flag in office["suspicious"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("パスワード：abc123", ["abc123"]),
        ("解凍パスワードは「p@ss word」です。", ["p@ss word"]),
        ("パスワードは abc123 です。", ["abc123"]),
        ("password: xyz789.", ["xyz789"]),
        ("The password is Hunter2", ["Hunter2"]),
        ("ＰＷ：ＡＢＣ１２３", ["ABC123"]),
        ("PW: first\npass = second", ["first", "second"]),
        ("パスワードは別途お送りします。", []),
        ("Your password will expire; passport: no", []),
    ],
)
def test_it_finds_candidate_passwords_in_a_body(text, expected):
    assert candidate_passwords(text) == expected


def test_zip_for_download_round_trips_with_infected():
    packed = zip_for_download("..\\evil/請求書.exe", PE)

    with pyzipper.AESZipFile(io.BytesIO(packed)) as archive:
        archive.setpassword(b"infected")
        assert archive.namelist() == ["請求書.exe"]
        assert archive.read("請求書.exe") == PE
        assert archive.infolist()[0].flag_bits & 0x1


@pytest.mark.parametrize(
    ("sent", "unpacked"),
    [
        ("..", "attachment.bin"),
        ("...", "attachment.bin"),
        ("C:evil.exe", "Cevil.exe"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # shown as "invoiceexe.pdf"
        ("re\u200bport.pdf", "report.pdf"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("report. ", "report"),
        ("a" * 600 + ".pdf", "a" * 146 + ".pdf"),
        ("a" * 600, "a" * 150),
        ("請求書.pdf", "請求書.pdf"),
    ],
)
def test_a_download_is_named_so_it_unpacks_as_itself(sent, unpacked):
    packed = zip_for_download(sent, PE)

    with pyzipper.AESZipFile(io.BytesIO(packed)) as archive:
        assert archive.namelist() == [unpacked]


def test_zip_for_download_cannot_be_read_without_the_password():
    packed = zip_for_download("a.exe", PE)

    with pyzipper.AESZipFile(io.BytesIO(packed)) as archive, pytest.raises(RuntimeError):
        archive.read("a.exe")


_SIGNATURES = [b"PK\x03\x04", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b\x08", b"BZh9", b"\xfd7zXZ\x00"]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_SIGNATURES), st.binary(max_size=300))
def test_it_never_raises_on_garbage_with_an_archive_signature(signature, tail):
    report = inspect_attachment("x", signature + tail)

    assert report.root.size == len(signature) + len(tail)
