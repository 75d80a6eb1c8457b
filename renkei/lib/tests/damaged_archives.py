"""Damaged archives, built in memory, each the smallest form of a crash seen in the wild
or by fuzzing (the audit's 1,111 distinct exceptions came down to these shapes)."""

from __future__ import annotations

import io
import struct
import zipfile

import pyzipper

_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"


def small_zip() -> bytes:
    """Two members, deflated: the seed that the damaged forms start from."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("invoice.pdf.exe", b"MZ" + bytes(300))
        archive.writestr("readme.txt", b"hello " * 20)
    return buffer.getvalue()


def small_aes_zip(password: str) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.writestr("invoice.pdf.exe", b"MZ" + bytes(300))
    return buffer.getvalue()


def zip_needing_version_9_9() -> bytes:
    """zipfile refuses the whole archive: NotImplementedError("zip file version 9.9")."""
    data = bytearray(small_zip())
    central = data.index(_CENTRAL)
    struct.pack_into("<H", data, central + 6, 99)  # "version needed to extract"
    return bytes(data)


def zip_with_members_before_its_start() -> bytes:
    """The end record places the directory 4 KiB further than it is, so every member's
    offset comes out negative: ValueError("negative seek value") when it is read."""
    data = bytearray(small_zip())
    end = data.rindex(_END)
    (offset,) = struct.unpack_from("<I", data, end + 16)
    struct.pack_into("<I", data, end + 16, offset + 4096)
    return bytes(data)


def zip_with_truncated_central_directory() -> bytes:
    """The directory is cut after its first 30 bytes; the end record is kept."""
    data = small_zip()
    central, end = data.index(_CENTRAL), data.rindex(_END)
    return data[: central + 30] + data[end:]


def aes_zip_with_unknown_key_strength(password: str) -> bytes:
    """An AES extra field whose strength byte is 9 (1-3 exist): pyzipper's KeyError."""
    data = bytearray(small_aes_zip(password))
    start = 0
    while (found := data.find(b"\x01\x99\x07\x00", start)) >= 0:  # header 0x9901, 7 bytes
        data[found + 8] = 9
        start = found + 1
    return bytes(data)
