"""A damaged archive is listed with what went wrong, never raises: the attachment holding
it is evidence and is stored whatever its listing says."""

from __future__ import annotations

import gzip
import io
import random
import tarfile

import py7zr
import pytest

from renkei.lib.archives import inspect_attachment
from renkei.lib.tests.damaged_archives import (
    aes_zip_with_unknown_key_strength,
    small_aes_zip,
    small_zip,
    zip_needing_version_9_9,
    zip_with_members_before_its_start,
    zip_with_truncated_central_directory,
)


def test_a_zip_needing_version_9_9_is_recorded_as_unreadable_with_the_error():
    report = inspect_attachment("invoice.zip", zip_needing_version_9_9())

    assert report.members == []
    assert report.problems == [
        "invoice.zip: unreadable or damaged archive (NotImplementedError: zip file version 9.9)"
    ]


def test_members_at_a_negative_offset_are_each_listed_unread_with_the_error():
    report = inspect_attachment("invoice.zip", zip_with_members_before_its_start())

    assert [(m.path, m.complete) for m in report.members] == [
        ("invoice.zip/invoice.pdf.exe", False),
        ("invoice.zip/readme.txt", False),
    ]
    assert report.members[0].is_executable
    assert (
        "invoice.zip/invoice.pdf.exe: cannot be read (ValueError: negative seek value -4096)"
        in (report.problems)
    )


def test_a_zip_with_a_truncated_central_directory_is_recorded_as_unreadable():
    report = inspect_attachment("invoice.zip", zip_with_truncated_central_directory())

    assert report.members == []
    assert report.problems[0].startswith("invoice.zip: unreadable zip")


def test_an_aes_member_with_an_unknown_key_strength_is_listed_unread_with_the_error():
    data = aes_zip_with_unknown_key_strength("pw")

    report = inspect_attachment("invoice.zip", data, passwords=["pw"])

    [member] = report.members
    assert (member.path, member.encrypted, member.complete) == (
        "invoice.zip/invoice.pdf.exe",
        True,
        False,
    )
    assert "invoice.zip/invoice.pdf.exe: cannot be read (KeyError: 9)" in report.problems


def _small_tar_gz() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        content = b"hello " * 50
        info = tarfile.TarInfo("x/y.txt")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return gzip.compress(buffer.getvalue(), mtime=0)


def _small_7z() -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.writestr(b"seven " * 50, "s.txt")
    return buffer.getvalue()


def _mutations(seed: bytes, rng: random.Random, count: int) -> list[bytes]:
    """Seeds with a few random bytes overwritten, a fifth of them also cut short."""
    mutated = []
    for _ in range(count):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        mutated.append(bytes(data))
    return mutated


_SEEDS = {
    "plain.zip": small_zip,
    "aes.zip": lambda: small_aes_zip("x"),
    "a.tar.gz": _small_tar_gz,
    "a.7z": _small_7z,
}


@pytest.mark.parametrize("name", sorted(_SEEDS))
def test_listing_a_few_hundred_mutations_of_a_small_archive_never_raises(name):
    rng = random.Random(f"renkei-archives-{name}")  # fixed: the same inputs every run

    for data in _mutations(_SEEDS[name](), rng, 300):
        report = inspect_attachment(name, data, passwords=["x"])

        assert report.root.size == len(data)
