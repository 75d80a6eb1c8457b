"""OpenPGP on incoming reports: decrypt what was encrypted to us, verify signatures.

Handles PGP/MIME (RFC 3156: multipart/encrypted, multipart/signed) and the
inline forms (`-----BEGIN PGP MESSAGE-----`, `-----BEGIN PGP SIGNED
MESSAGE-----`) that many mail clients still send. The center's secret key
lives in the keyring at RENKEI_GPG_HOME (the one `lib/pgp.py` signs with);
signatures are checked against the public keys in the same keyring.

Nothing here raises on bad input: the outcome, including "could not
decrypt" and "no public key", is recorded for the analyst (`PgpResult.info`).
The encrypted message itself stays untouched in its RawReport.

A signature is `valid` only when it covers everything the report shows of
the message's body: a genuine signed part or clearsigned block (a public
advisory, say) next to text anyone could have added is `partly_signed`, and
text around an inline encrypted block is `partly_encrypted`. What is shown is
decided by the same stdlib parser `lib/mime.py` reads the report with, so the
two cannot disagree about where a part begins or ends.
"""

from __future__ import annotations

import base64
import functools
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import gnupg
from django.conf import settings

from renkei.lib.mime import PARSER_ERRORS
from renkei.lib.pgp import keyring

_ARMORED_MESSAGE = re.compile(
    rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", re.DOTALL
)
_CLEARSIGNED = re.compile(
    rb"-----BEGIN PGP SIGNED MESSAGE-----.*?-----END PGP SIGNATURE-----", re.DOTALL
)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ARMOR_START = b"-----BEGIN PGP"
_CLEARSIGNED_START = b"-----BEGIN PGP SIGNED MESSAGE-----"
_BASE64_CTE = re.compile(rb"content-transfer-encoding\s*:\s*\"?base64", re.IGNORECASE)
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
    info: dict[str, Any] = {"where": where, "status": verdict, "detail": status}
    for name in ("key_id", "fingerprint", "username", "sig_timestamp", "trust_text"):
        value = getattr(result, name, None)
        if value:
            info[name] = str(value)
    primary = getattr(result, "pubkey_fingerprint", None) or info.get("fingerprint")
    if primary:
        info["signer_emails"] = _key_emails(str(primary))
    return info


def _key_emails(fingerprint: str) -> list[str]:
    """The addresses on the signing key's user ids still in force: `username` is only
    the one GnuPG names, and the sender may use another of the signer's addresses."""
    keys = gpg().list_keys(keys=[fingerprint])
    uid_validity = getattr(keys, "uid_map", {})
    emails = set()
    for key in keys:
        for uid in key.get("uids", []):
            if uid_validity.get(uid, {}).get("trust") in ("r", "e"):  # revoked, expired
                continue
            address = parseaddr(uid)[1]
            if "@" in address:
                emails.add(address.casefold())
    return sorted(emails)


def signer_matches_from(signature: dict[str, Any], from_addr: str) -> bool:
    """Whether the signing key carries the From address the report shows: a valid
    signature by someone other than the sender vouches for the text, not the sender."""
    return bool(from_addr) and from_addr.casefold() in signature.get("signer_emails", [])


def _partly(signature: dict[str, Any]) -> dict[str, Any]:
    """A valid signature over only part of what is shown: the rest is anyone's text.
    Other verdicts (bad, unknown key) already keep the analyst from trusting it."""
    if signature["status"] == "valid":
        signature["status"] = "partly_signed"
    return signature


def _header_block(raw: bytes) -> tuple[bytes, bytes]:
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.start()], raw[match.end() :]


def _top_content_type(raw: bytes) -> Any:
    return BytesHeaderParser(policy=compat32).parsebytes(_header_block(raw)[0] + b"\n\n")


def _parse(raw: bytes) -> Message:
    """The MIME tree as `lib/mime.py` reads it for the report (compat32 first)."""
    return BytesParser(policy=compat32).parsebytes(raw)


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []


def _parts(root: Message) -> Iterator[Message]:
    """Every part in document order; a loop, not recursion (nesting is the sender's)."""
    pending = [root]
    while pending:
        part = pending.pop()
        yield part
        pending.extend(reversed(_children(part)))


def _shown(root: Message) -> list[Message]:
    """The parts whose content a reader is shown: text, attachments, forwarded
    messages' bodies (containers only hold them; preambles are never shown)."""
    return [part for part in _parts(root) if not isinstance(part.get_payload(), list)]


def _is_whole_body(part: Message, block: bytes) -> bool:
    body = part.get_payload(decode=True)
    return isinstance(body, bytes) and body.strip() == block


@functools.cache
def _base64_forms(marker: bytes) -> tuple[bytes, ...]:
    """What `marker` looks like in base64 at each of the three byte offsets it can
    start at: the characters that depend on its bytes alone."""
    forms = []
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + marker)
        first = 4 if offset else 0  # the quantum shared with the bytes before
        last = (offset + len(marker)) // 3 * 4  # the one shared with the bytes after
        forms.append(encoded[first:last])
    return tuple(forms)


def _may_contain(raw: bytes, marker: bytes) -> bool:
    """Whether `marker` may be in the message, as it came or inside a base64 part.

    A cheap test before any parsing. Quoted-printable leaves a BEGIN line as it
    is: it holds neither "=" nor an 8-bit byte."""
    if marker in raw:
        return True
    if _BASE64_CTE.search(raw) is None:
        return False
    joined = raw.replace(b"\r", b"").replace(b"\n", b"")
    return any(form in joined for form in _base64_forms(marker))


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
    info["partly_encrypted"] = False  # only the decrypted entity is kept to be shown
    return PgpResult(_outer_headers(raw) + b"\r\n" + plain, decrypted=True, info=info)


def _pgp_inline_encrypted(raw: bytes) -> PgpResult | None:
    """An armored message in the text of a part.

    Looked for in each part's decoded body, as a clearsigned block is: a
    quoted-printable body writes the armor's "=" as "=3D", and a base64 one
    (what a mail program often sends for Japanese text around the block)
    hides it from a search of the raw bytes.
    """
    root = _parse(raw)
    shown = _shown(root)
    found = _first_block(shown, _ARMORED_MESSAGE)
    if found is None:
        return None
    part, block = found
    plain, info = _decrypt(block)
    if plain is None:
        return PgpResult(raw, info=info)
    info["format"] = "inline"
    # Text before or after the block (or other parts) came in the clear, and a
    # signature inside the encrypted message does not cover it either.
    info["partly_encrypted"] = not (len(shown) == 1 and _is_whole_body(part, block))
    if info["partly_encrypted"] and "signature" in info:
        _partly(info["signature"])
    start = raw.find(block)
    if start >= 0:  # as it came: the plain text takes the block's place in the message
        message = raw[:start] + plain + raw[start + len(block) :]
    else:
        message = _with_decoded_body(root, part, block, plain)
    return PgpResult(message, decrypted=True, info=info)


def _first_block(shown: list[Message], pattern: re.Pattern[bytes]) -> tuple[Message, bytes] | None:
    """The first part whose decoded body holds `pattern`, and the block found."""
    for part in shown:
        body = part.get_payload(decode=True)
        block = pattern.search(body) if isinstance(body, bytes) else None
        if block is not None:
            return part, block.group()
    return None


def _with_decoded_body(root: Message, part: Message, block: bytes, plain: bytes) -> bytes:
    """The message again, `part` carrying its decoded body with the plain text
    in the block's place, as 8-bit (its charset stays as declared)."""
    body = part.get_payload(decode=True)
    assert isinstance(body, bytes)
    del part["Content-Transfer-Encoding"]
    part["Content-Transfer-Encoding"] = "8bit"
    part.set_payload(body.replace(block, plain, 1))
    return root.as_bytes()


def _signed_part(raw: bytes, boundary: str) -> tuple[bytes, bytes] | None:
    """(first part as it came; the signature part's body)."""
    delimiter = b"--" + boundary.encode("ascii", "replace")
    pieces = re.split(rb"(?:\r?\n)?" + re.escape(delimiter) + rb"[ \t]*\r?\n", raw)
    if len(pieces) < 3:
        return None
    signature = _ARMORED_SIGNATURE.search(pieces[2])
    return (pieces[1], signature.group()) if signature else None


def _as_signed(part: bytes) -> bytes:
    """RFC 3156 §5: the signature is over the part in CRLF form."""
    return part.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


_ARMORED_SIGNATURE = re.compile(
    rb"-----BEGIN PGP SIGNATURE-----.*?-----END PGP SIGNATURE-----", re.DOTALL
)


def verify_detached(data: bytes, signature: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "signature.asc"
        path.write_bytes(signature)
        return _signature(gpg().verify_data(str(path), data), "pgp/mime")


def _pgp_mime_signed(raw: bytes) -> dict[str, Any] | None:
    """The first multipart/signed, at the top or inside the message (a mailing list
    wraps it beside its footer): verified, and `valid` only if it is all there is."""
    root = _parse(raw)
    node = next((p for p in _parts(root) if p.get_content_type() == "multipart/signed"), None)
    if node is None:
        return None
    boundary = node.get_boundary()
    parts = _signed_part(raw, boundary) if boundary else None
    if parts is None:
        return {"where": "pgp/mime", "status": "error", "detail": "malformed multipart/signed"}
    signed, signature = parts
    info = verify_detached(_as_signed(signed), signature)
    return info if _only_signed_shown(root, node, signed) else _partly(info)


def _only_signed_shown(root: Message, node: Message, signed: bytes) -> bool:
    """Everything shown of the message is the verified part, apart from the signature.

    The verified bytes are cut out of the raw message by a regular expression; the
    report's parser also ends lines at a lone CR, and so could see a part begin earlier
    (with unsigned text in it) where the expression sees none. Hence the parser's own
    signed part is compared with the verified bytes, not only the parts counted.
    """
    children = _children(node)
    if len(children) < 2:
        return False
    content, signature = children[0], children[1]
    if not _only_a_signature(signature):
        return False
    try:
        same = content.as_bytes() == _parse(signed).as_bytes()
    except PARSER_ERRORS:  # the stdlib could not write a hostile part back
        return False
    covered = {id(part) for part in _shown(content)}
    return same and all(id(part) in covered or part is signature for part in _shown(root))


def _only_a_signature(part: Message) -> bool:
    """The signature part holds the signature and nothing else: as text it would be
    shown, and an HTML or PDF attachment is read for the report's URLs."""
    armor = part.get_payload(decode=True)
    return (
        part.get_content_type() == "application/pgp-signature"
        and isinstance(armor, bytes)
        and _ARMORED_SIGNATURE.fullmatch(armor.strip()) is not None
    )


def _inline_signed(message: bytes) -> dict[str, Any] | None:
    """A clearsigned block in the text of a part.

    The signature covers the text, not its Content-Transfer-Encoding: the block
    is looked for in each part's decoded body (a quoted-printable one turns the
    armor's "=" into "=3D"; a base64 one hides it altogether), the same body the
    report shows. It may as well be a public advisory quoted or attached beside
    someone else's text: `valid` only when the block is the whole of what the
    message shows.
    """
    shown = _shown(_parse(message))
    found = _first_block(shown, _CLEARSIGNED)
    if found is None:
        return None
    part, block = found
    info = _signature(gpg().verify(block), "inline")
    return info if len(shown) == 1 and _is_whole_body(part, block) else _partly(info)


def pgp_unwrap(raw: bytes) -> PgpResult:
    """Decrypt and verify what can be; the message to parse and what happened."""
    if len(raw) > MAX_PGP_BYTES or not _may_contain(raw, _ARMOR_START):
        return PgpResult(raw)
    try:
        header = _top_content_type(raw)
        result = _pgp_mime_encrypted(raw, header) or _pgp_inline_encrypted(raw) or PgpResult(raw)
        signature = _pgp_mime_signed(result.message)
        if signature is None and _may_contain(result.message, _CLEARSIGNED_START):
            signature = _inline_signed(result.message)
    # GnuPG missing or its output unreadable; a message the stdlib cannot parse
    except (OSError, *PARSER_ERRORS) as exc:
        return PgpResult(raw, info={"error": f"OpenPGP processing failed: {exc}"})
    if signature is not None:
        result.info["signature"] = signature
    return result
