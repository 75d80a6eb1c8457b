"""The hex part of a Message-ID is not a hash.

Reporters paste the headers of a phishing mail into their report, and many
mailers make Message-IDs (and other `<id@host>` tokens) of 32 or 40 hex digits.
Those were listed as MD5 or SHA-1 file hashes, next to the real ones.
"""

from __future__ import annotations

import time

from renkei.lib.observables import extract_observables

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
OTHER = "0cc175b9c0f1b6a831c399e269772661"


def test_a_hex_message_id_is_no_hash() -> None:
    found = extract_observables(
        f"Message-ID: <{OTHER}@mail.example.com>\n"
        f"References: <1234.{SHA1}@smtp.example.net>\n"
        f"X-Id: {OTHER}.{SHA1}+x=1@example.org\n"
        f"添付ファイル md5: {MD5}"
    )

    assert found.md5 == [MD5]
    assert found.sha1 == []


def test_a_hash_before_an_at_sign_in_prose_is_still_a_hash() -> None:
    found = extract_observables(f"md5 {MD5} @ 12:00")

    assert found.md5 == [MD5]


def test_a_megabyte_of_message_id_lookalikes_stays_fast() -> None:
    started = time.process_time()  # CPU time: the machine may be shared

    extract_observables((OTHER + "." * 63 + " ") * 10_000)

    assert time.process_time() - started < 1.0
