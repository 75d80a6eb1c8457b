"""A long decimal number is not a hash.

Order numbers, tracking numbers and account references of 32, 40 or 64
digits were listed as MD5, SHA-1 and SHA-256 hashes. A hash has no reason to
avoid the letters a-f: a random MD5 has none with probability (10/16)**32,
about 3 in 10 million, so a run of digits only is a number. The same holds
the other way for a run of the letters a-f only (fill like "ffff..."): a hash
needs both digits and letters.
"""

from __future__ import annotations

from renkei.lib.observables import extract_observables

MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def test_digits_only_are_no_hash() -> None:
    found = extract_observables(
        f"ご注文番号 {'1' * 16}{'2' * 16} 追跡 {'3' * 40} 参照 {'0' * 64} md5 {MD5}"
    )

    assert (found.md5, found.sha1, found.sha256) == ([MD5], [], [])


def test_letters_only_are_no_hash() -> None:
    found = extract_observables("padding " + "f" * 32 + " and " + "abcdef" * 6 + "abcd")

    assert (found.md5, found.sha1) == ([], [])
