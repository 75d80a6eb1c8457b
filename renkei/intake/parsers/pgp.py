"""OpenPGP on incoming reports: decrypt what was encrypted to us, verify signatures.

Handles PGP/MIME (RFC 3156: multipart/encrypted, multipart/signed) and the
inline forms (`-----BEGIN PGP MESSAGE-----`, `-----BEGIN PGP SIGNED
MESSAGE-----`) that many mail clients still send. The center's secret key
lives in the keyring at RENKEI_GPG_HOME (the one `lib/pgp.py` signs with);
signatures are checked against the public keys in the same keyring.

Nothing here raises on bad input: the outcome, including "could not
decrypt" and "no public key", is recorded for the analyst (`PgpResult.info`).
The encrypted message itself stays untouched in its RawReport.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

import gnupg
from django.conf import settings

from renkei.lib.pgp import keyring

_ARMORED_MESSAGE = re.compile(
    rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", re.DOTALL
)
_CLEARSIGNED = re.compile(
    rb"-----BEGIN PGP SIGNED MESSAGE-----.*?-----END PGP SIGNATURE-----", re.DOTALL
)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_HEADERS = re.compile(rb"^(content-[a-z-]+|mime-version)\s*:", re.IGNORECASE)
MAX_PGP_BYTES = 50 * 1024 * 1024


@dataclass
class PgpResult:
    """What OpenPGP did to a message: `message` is what to parse (decrypted or not)."""

    message: bytes
    decrypted: bool = False
    info: dict[str, Any] = field(default_factory=dict)


def gpg() -> gnupg.GPG:
    return keyring(settings.RENKEI_GPG_HOME)


def _signature(result: Any, where: str) -> dict[str, Any]:
    """The parts of a python-gnupg verify/decrypt result an analyst needs."""
    status = str(getattr(result, "status", "") or "")
    if getattr(result, "valid", False):
        verdict = "valid"
    elif "no public key" in status:
        verdict = "no_public_key"
    elif "bad" in status:
        verdict = "bad"
    else:
        verdict = "error"
    info = {"where": where, "status": verdict, "detail": status}
    for name in ("key_id", "fingerprint", "username", "sig_timestamp", "trust_text"):
        value = getattr(result, name, None)
        if value:
            info[name] = str(value)
    return info


def _header_block(raw: bytes) -> tuple[bytes, bytes]:
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def _top_content_type(raw: bytes) -> Any:
    return BytesHeaderParser(policy=compat32).parsebytes(_header_block(raw)[0] + b"\n\n")


def _outer_headers(raw: bytes) -> bytes:
    """The top headers without Content-*: the decrypted entity brings its own."""
    lines = re.split(rb"\r?\n(?![ \t])", _header_block(raw)[0])
    kept = [line for line in lines if not _CONTENT_HEADERS.match(line)]
    return b"\r\n".join(kept)


def _decrypt(data: bytes) -> tuple[bytes | None, dict[str, Any]]:
    result = gpg().decrypt(data, passphrase=settings.RENKEI_GPG_PASSPHRASE or None)
    info: dict[str, Any] = {"encrypted": True, "decrypted": bool(result.ok)}
    if not result.ok:
        info["error"] = str(result.status or "GnuPG could not decrypt")
        return None, info
    if getattr(result, "signature_id", None) or getattr(result, "fingerprint", None):
        info["signature"] = _signature(result, "inside the encrypted message")
    return bytes(result.data), info


def _pgp_mime_encrypted(raw: bytes, header: Any) -> PgpResult | None:
    if header.get_content_type() != "multipart/encrypted":
        return None
    armored = _ARMORED_MESSAGE.search(raw)
    if armored is None:
        error = "multipart/encrypted without an armored message"
        return PgpResult(raw, info={"encrypted": True, "decrypted": False, "error": error})
    plain, info = _decrypt(armored.group())
    if plain is None:
        return PgpResult(raw, info=info)
    info["format"] = "pgp/mime"
    return PgpResult(_outer_headers(raw) + b"\r\n" + plain, decrypted=True, info=info)


def _pgp_inline_encrypted(raw: bytes) -> PgpResult | None:
    armored = _ARMORED_MESSAGE.search(raw)
    if armored is None:
        return None
    plain, info = _decrypt(armored.group())
    if plain is None:
        return PgpResult(raw, info=info)
    info["format"] = "inline"
    message = raw[: armored.start()] + plain + raw[armored.end() :]
    return PgpResult(message, decrypted=True, info=info)


def _signed_part(raw: bytes, boundary: str) -> tuple[bytes, bytes] | None:
    """(first part as signed, in CRLF form; the signature part's body)."""
    delimiter = b"--" + boundary.encode("ascii", "replace")
    pieces = re.split(rb"(?:\r?\n)?" + re.escape(delimiter) + rb"[ \t]*\r?\n", raw)
    if len(pieces) < 3:
        return None
    signed = pieces[1].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    signature = _ARMORED_SIGNATURE.search(pieces[2])
    return (signed, signature.group()) if signature else None


_ARMORED_SIGNATURE = re.compile(
    rb"-----BEGIN PGP SIGNATURE-----.*?-----END PGP SIGNATURE-----", re.DOTALL
)


def verify_detached(data: bytes, signature: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "signature.asc"
        path.write_bytes(signature)
        return _signature(gpg().verify_data(str(path), data), "pgp/mime")


def _pgp_mime_signed(raw: bytes, header: Any) -> dict[str, Any] | None:
    if header.get_content_type() != "multipart/signed":
        return None
    boundary = header.get_param("boundary")
    parts = _signed_part(raw, str(boundary)) if boundary else None
    if parts is None:
        return {"where": "pgp/mime", "status": "error", "detail": "malformed multipart/signed"}
    return verify_detached(*parts)


def _inline_signed(message: bytes) -> dict[str, Any] | None:
    """A clearsigned block in the body (its bytes as sent: the signature covers them)."""
    block = _CLEARSIGNED.search(message)
    if block is None:
        return None
    return _signature(gpg().verify(block.group()), "inline")


def pgp_unwrap(raw: bytes) -> PgpResult:
    """Decrypt and verify what can be; the message to parse and what happened."""
    if len(raw) > MAX_PGP_BYTES or b"-----BEGIN PGP" not in raw:
        return PgpResult(raw)
    try:
        header = _top_content_type(raw)
        result = _pgp_mime_encrypted(raw, header) or _pgp_inline_encrypted(raw) or PgpResult(raw)
        message_header = _top_content_type(result.message) if result.decrypted else header
        signature = _pgp_mime_signed(result.message, message_header)
        if signature is None and b"-----BEGIN PGP SIGNED MESSAGE-----" in result.message:
            signature = _inline_signed(result.message)
    except (OSError, ValueError) as exc:  # GnuPG missing or its output unreadable
        return PgpResult(raw, info={"error": f"OpenPGP processing failed: {exc}"})
    if signature is not None:
        result.info["signature"] = signature
    return result
