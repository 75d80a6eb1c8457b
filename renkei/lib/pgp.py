"""OpenPGP for outgoing mail: PGP/MIME signing and encryption (RFC 3156).

Uses GnuPG through python-gnupg with the keyring in RENKEI_GPG_HOME. The
functions take and return MIME entities as bytes with CRLF line endings,
because a signature covers exact bytes: `lib/mail.py` writes them into the
message unchanged.
"""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import gnupg

from renkei.lib.errors import RenkeiError

CRLF = b"\r\n"
# RFC 4880 §9.4 hash algorithm ids -> RFC 3156 micalg names.
_MICALG = {
    "2": "pgp-sha1",
    "8": "pgp-sha256",
    "9": "pgp-sha384",
    "10": "pgp-sha512",
    "11": "pgp-sha224",
}


class PgpError(RenkeiError):
    """A key could not be used or GnuPG refused to sign or encrypt."""


@dataclass(frozen=True, slots=True)
class MimeBody:
    """A top-level MIME body: the Content-Type header value and the bytes that follow."""

    content_type: str
    body: bytes


@functools.lru_cache(maxsize=8)
def keyring(home: str) -> gnupg.GPG:
    path = Path(home)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return gnupg.GPG(gnupghome=str(path))


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def import_public_key(armored: str, *, home: str) -> str:
    """Import one public key; its fingerprint, or PgpError when it is not exactly one key."""
    gpg = keyring(home)
    if "PRIVATE KEY" in armored:
        raise PgpError("this is a private key; paste the public key only")
    scan = gpg.scan_keys_mem(armored) if hasattr(gpg, "scan_keys_mem") else None
    if scan is not None and len(scan) != 1:
        raise PgpError(f"expected one public key, found {len(scan)}")
    result = gpg.import_keys(armored)
    fingerprints = sorted(set(result.fingerprints))
    if len(fingerprints) != 1:
        raise PgpError("not an OpenPGP public key (GnuPG imported nothing)")
    _check_can_encrypt(gpg, fingerprints[0])
    return fingerprints[0]


def _check_can_encrypt(gpg: gnupg.GPG, fingerprint: str) -> None:
    """A key is kept to encrypt to: one that cannot (signing only, expired, revoked)
    would fail every notification to its contact, long after it was pasted."""
    [key] = gpg.list_keys(keys=[fingerprint]) or [{}]
    # GnuPG lists the capabilities usable now in capitals (E: encrypt, to some subkey).
    if "E" not in key.get("cap", ""):
        raise PgpError(
            f"key {fingerprint} cannot encrypt (no valid encryption subkey: "
            "signing only, expired or revoked)"
        )


def _boundary() -> str:
    # "=_" can never occur in quoted-printable or base64 text or in ASCII armor.
    return "=_renkei_" + secrets.token_hex(12)


def sign(entity: bytes, *, key_id: str, home: str) -> MimeBody:
    """multipart/signed over `entity` (RFC 3156 §5)."""
    signature = keyring(home).sign(
        entity, keyid=key_id, detach=True, binary=False, extra_args=["--digest-algo", "SHA256"]
    )
    if not signature.data:
        raise PgpError(f"GnuPG could not sign with key {key_id!r}: {signature.status}")
    micalg = _MICALG.get(str(signature.hash_algo), "pgp-sha256")
    boundary = _boundary()
    body = b"".join(
        [
            b"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)",
            CRLF,
            b"--",
            boundary.encode(),
            CRLF,
            entity,
            CRLF,
            b"--",
            boundary.encode(),
            CRLF,
            b'Content-Type: application/pgp-signature; name="signature.asc"',
            CRLF,
            b"Content-Description: OpenPGP digital signature",
            CRLF,
            b'Content-Disposition: attachment; filename="signature.asc"',
            CRLF,
            CRLF,
            _crlf(signature.data.decode("ascii")),
            CRLF,
            b"--",
            boundary.encode(),
            b"--",
            CRLF,
        ]
    )
    content_type = (
        f'multipart/signed; micalg="{micalg}"; protocol="application/pgp-signature"; '
        f'boundary="{boundary}"'
    )
    return MimeBody(content_type, body)


def encrypt(entity: bytes, *, recipients: list[str], sign_key: str, home: str) -> MimeBody:
    """multipart/encrypted (RFC 3156 §4), signed and encrypted at once (§6.2) when
    `sign_key` is given."""
    result = keyring(home).encrypt(
        entity,
        recipients,
        sign=sign_key or None,
        always_trust=True,
        armor=True,
        extra_args=["--digest-algo", "SHA256"],
    )
    if not result.ok:
        raise PgpError(f"GnuPG could not encrypt: {result.status}")
    boundary = _boundary()
    body = b"".join(
        [
            b"This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)",
            CRLF,
            b"--",
            boundary.encode(),
            CRLF,
            b"Content-Type: application/pgp-encrypted",
            CRLF,
            b"Content-Description: PGP/MIME version identification",
            CRLF,
            CRLF,
            b"Version: 1",
            CRLF,
            CRLF,
            b"--",
            boundary.encode(),
            CRLF,
            b'Content-Type: application/octet-stream; name="encrypted.asc"',
            CRLF,
            b"Content-Description: OpenPGP encrypted message",
            CRLF,
            b'Content-Disposition: inline; filename="encrypted.asc"',
            CRLF,
            CRLF,
            _crlf(str(result)),
            CRLF,
            b"--",
            boundary.encode(),
            b"--",
            CRLF,
        ]
    )
    content_type = (
        f'multipart/encrypted; protocol="application/pgp-encrypted"; boundary="{boundary}"'
    )
    return MimeBody(content_type, body)
