"""OpenPGP on incoming reports: decrypted when encrypted to the center, the
encrypted message kept as it came, signatures verified and recorded."""

from __future__ import annotations

import base64
import quopri
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from renkei.accounts.models import User
from renkei.incidents.tests.helpers import signed_in
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import RawReport, Report
from renkei.lib.pgp import encrypt, keyring, sign

pytestmark = pytest.mark.django_db
SECRET = "フィッシングサイト https://smbc-card.example-phish.xyz/login を報告します。"


@dataclass(frozen=True)
class Keys:
    center_home: str
    center: str
    reporter_home: str
    reporter: str
    stranger_home: str
    stranger: str


def _generate(home: Path, email: str) -> str:
    gpg = keyring(str(home))
    params = gpg.gen_key_input(
        key_type="EDDSA", key_curve="ed25519", subkey_type="ECDH", subkey_curve="cv25519",
        name_real=email, name_email=email, no_protection=True, expire_date=0,
    )  # fmt: skip
    return str(gpg.gen_key(params).fingerprint)


def _exchange(source: str, target: str, fingerprint: str) -> None:
    keyring(target).import_keys(keyring(source).export_keys(fingerprint))


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    if shutil.which("gpg") is None:
        pytest.skip("GnuPG (gpg) is not installed")
    base = tmp_path_factory.mktemp("gpg")
    homes = [base / name for name in ("center", "reporter", "stranger")]
    center, reporter, stranger = (_generate(h, f"{h.name}@example.jp") for h in homes)
    _exchange(str(homes[0]), str(homes[1]), center)  # the reporter knows our key
    _exchange(str(homes[1]), str(homes[0]), reporter)  # we know the reporter's
    yield Keys(str(homes[0]), center, str(homes[1]), reporter, str(homes[2]), stranger)
    for home in homes:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], check=False)


def _entity(text: str) -> bytes:
    return (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + text.encode()
    )


def _mail(content_type: str, body: bytes, subject: str = "encrypted report") -> bytes:
    head = (
        f"From: reporter@example.jp\r\nTo: csirt@renkei.example\r\nSubject: {subject}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
    )
    return head.encode() + body


def _receive(raw: bytes, keys: Keys) -> Report:
    with override_settings(RENKEI_GPG_HOME=keys.center_home):
        outcome = email_receive(raw, collector="test")
    assert outcome.status == "created", outcome.error
    return Report.objects.get(pk=outcome.report_id)


def test_a_report_encrypted_to_the_center_is_decrypted_and_the_original_kept(keys: Keys) -> None:
    body = encrypt(_entity(SECRET), recipients=[keys.center], sign_key=keys.reporter,
                   home=keys.reporter_home)  # fmt: skip
    raw = _mail(body.content_type, body.body)

    report = _receive(raw, keys)

    assert "smbc-card.example-phish.xyz" in report.text
    assert report.url == "https://smbc-card.example-phish.xyz/login"
    assert bytes(report.raw.content) == raw  # the encrypted message as it came
    pgp = report.extra["pgp"]
    assert (pgp["encrypted"], pgp["decrypted"], pgp["format"]) == (True, True, "pgp/mime")
    plain = RawReport.objects.get(pk=pgp["decrypted_raw_id"])
    assert SECRET.encode() in bytes(plain.content)
    assert pgp["signature"]["status"] == "valid"
    assert pgp["signature"]["fingerprint"] == keys.reporter


def test_a_report_encrypted_to_someone_else_is_kept_undecrypted_with_the_reason(keys: Keys) -> None:
    _exchange(keys.stranger_home, keys.reporter_home, keys.stranger)
    body = encrypt(
        _entity(SECRET), recipients=[keys.stranger], sign_key="", home=keys.reporter_home
    )

    report = _receive(_mail(body.content_type, body.body), keys)

    assert report.extra["pgp"]["decrypted"] is False
    assert report.extra["pgp"]["error"]
    assert "smbc-card" not in report.text


def test_a_pgp_mime_signature_is_verified(keys: Keys) -> None:
    body = sign(_entity(SECRET), key_id=keys.reporter, home=keys.reporter_home)

    report = _receive(_mail(body.content_type, body.body, "signed"), keys)

    signature = report.extra["pgp"]["signature"]
    assert (signature["status"], signature["where"]) == ("valid", "pgp/mime")
    assert signature["username"] == "reporter@example.jp <reporter@example.jp>"
    assert signature["signer_matches_from"] is True


def test_a_tampered_signed_report_is_recorded_as_bad(keys: Keys) -> None:
    body = sign(_entity(SECRET), key_id=keys.reporter, home=keys.reporter_home)
    tampered = body.body.replace("報告します".encode(), "報告しません".encode())

    report = _receive(_mail(body.content_type, tampered, "tampered"), keys)

    assert report.extra["pgp"]["signature"]["status"] == "bad"


def test_a_signature_by_an_unknown_key_is_recorded_as_such(keys: Keys) -> None:
    body = sign(_entity(SECRET), key_id=keys.stranger, home=keys.stranger_home)

    report = _receive(_mail(body.content_type, body.body, "stranger"), keys)

    assert report.extra["pgp"]["signature"]["status"] == "no_public_key"


def test_an_inline_clearsigned_report_is_verified(keys: Keys) -> None:
    signed = keyring(keys.reporter_home).sign(SECRET.encode(), keyid=keys.reporter, clearsign=True)
    body = b"\r\n  \r\n" + bytes(signed.data) + b"\r\n\r\n"  # whitespace around is nobody's text
    raw = _mail("text/plain; charset=utf-8", body, "clearsigned")

    report = _receive(raw, keys)

    assert report.extra["pgp"]["signature"]["status"] == "valid"
    assert report.extra["pgp"]["signature"]["where"] == "inline"
    assert report.extra["pgp"]["signature"]["signer_matches_from"] is True


# --- What a signature covers: all of the text shown, or it is not `valid` -------------

UNSIGNED = "攻撃者の追記: 至急 https://evil.example-phish.xyz/pay に振り込んでください。"


def _clearsigned(keys: Keys, text: str = SECRET) -> bytes:
    signed = keyring(keys.reporter_home).sign(text.encode(), keyid=keys.reporter, clearsign=True)
    return bytes(signed.data)


def _mixed(*parts: bytes) -> tuple[str, bytes]:
    body = b"".join(b"--outer\r\n" + part + b"\r\n" for part in parts) + b"--outer--\r\n"
    return 'multipart/mixed; boundary="outer"', body


def _part_after_the_signature(body: bytes, delimiter: bytes) -> bytes:
    head, close = body.rsplit(b"\r\n" + delimiter + b"--", 1)
    return (
        head
        + b"\r\n"
        + delimiter
        + b"\r\n"
        + _entity(UNSIGNED)
        + b"\r\n"
        + delimiter
        + b"--"
        + close
    )


def _text_part_before_behind_a_bare_cr(body: bytes, delimiter: bytes) -> bytes:
    # The report's parser ends a line at a lone CR, a regular expression over
    # CRLF lines does not: the unsigned text is shown at the head of the signed part.
    start = body.index(delimiter + b"\r\n")
    unsigned = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + UNSIGNED.encode() + b" "
    return body[:start] + delimiter + b"\r" + unsigned + body[start:]


def _signature_in_a_text_part(body: bytes, delimiter: bytes) -> bytes:
    head, armor = body.split(b"-----BEGIN PGP SIGNATURE-----", 1)
    start = head.rindex(delimiter + b"\r\n") + len(delimiter) + 2
    text = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + UNSIGNED.encode() + b"\r\n\r\n"
    return head[:start] + text + b"-----BEGIN PGP SIGNATURE-----" + armor


@pytest.mark.parametrize(
    "tamper",
    [_part_after_the_signature, _text_part_before_behind_a_bare_cr, _signature_in_a_text_part],
)
def test_unsigned_text_inside_a_pgp_mime_signed_message_makes_it_partly_signed(
    keys: Keys, tamper: Callable[[bytes, bytes], bytes]
) -> None:
    signed = sign(_entity(SECRET), key_id=keys.reporter, home=keys.reporter_home)
    delimiter = b"--" + signed.content_type.split('boundary="')[1].rstrip('"').encode()

    report = _receive(_mail(signed.content_type, tamper(signed.body, delimiter), "plus"), keys)

    assert "evil.example-phish.xyz" in report.text
    signature = report.extra["pgp"]["signature"]
    assert (signature["status"], signature["where"]) == ("partly_signed", "pgp/mime")
    assert signature["fingerprint"] == keys.reporter  # who signed the part that is signed


def test_a_signed_message_wrapped_beside_unsigned_text_is_partly_signed(keys: Keys) -> None:
    signed = sign(_entity(SECRET), key_id=keys.reporter, home=keys.reporter_home)
    inner = f"Content-Type: {signed.content_type}\r\n\r\n".encode() + signed.body
    content_type, body = _mixed(_entity(UNSIGNED), inner)

    report = _receive(_mail(content_type, body, "wrapped"), keys)

    assert "evil.example-phish.xyz" in report.text
    assert report.extra["pgp"]["signature"]["status"] == "partly_signed"


def test_a_clearsigned_attachment_beside_unsigned_text_is_partly_signed(keys: Keys) -> None:
    attachment = (
        b'Content-Type: text/plain; charset=utf-8; name="advisory.txt"\r\n'
        b'Content-Disposition: attachment; filename="advisory.txt"\r\n\r\n' + _clearsigned(keys)
    )
    content_type, body = _mixed(_entity(UNSIGNED), attachment)

    report = _receive(_mail(content_type, body, "advisory"), keys)

    assert "evil.example-phish.xyz" in report.text
    signature = report.extra["pgp"]["signature"]
    assert (signature["status"], signature["where"]) == ("partly_signed", "inline")
    assert signature["fingerprint"] == keys.reporter


def test_text_around_a_clearsigned_block_makes_it_partly_signed(keys: Keys) -> None:
    body = UNSIGNED.encode() + b"\r\n\r\n" + _clearsigned(keys) + b"\r\n" + UNSIGNED.encode()

    report = _receive(_mail("text/plain; charset=utf-8", body, "quoted"), keys)

    assert report.extra["pgp"]["signature"]["status"] == "partly_signed"


def _transfer_encoded(block: bytes, cte: str) -> bytes:
    encoded = quopri.encodestring(block) if cte == "quoted-printable" else base64.encodebytes(block)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_a_clearsigned_body_in_a_transfer_encoding_is_verified_on_its_decoded_text(
    keys: Keys, cte: str
) -> None:
    # The signature covers the decoded text; quoted-printable writes the armor's
    # "=" as "=3D" and base64 hides the armor from a search of the raw bytes.
    body = _transfer_encoded(_clearsigned(keys), cte)
    content_type = f"text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {cte}"

    report = _receive(_mail(content_type, body, "clearsigned"), keys)

    signature = report.extra["pgp"]["signature"]
    assert (signature["status"], signature["where"]) == ("valid", "inline")
    assert signature["signer_matches_from"] is True
    assert "smbc-card.example-phish.xyz" in report.text


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_unsigned_text_beside_a_transfer_encoded_clearsigned_block_is_partly_signed(
    keys: Keys, cte: str
) -> None:
    block = UNSIGNED.encode() + b"\r\n\r\n" + _clearsigned(keys)
    content_type = f"text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {cte}"

    report = _receive(_mail(content_type, _transfer_encoded(block, cte), "quoted"), keys)

    assert report.extra["pgp"]["signature"]["status"] == "partly_signed"


def test_a_signer_whose_key_lacks_the_from_address_is_recorded_as_such(keys: Keys) -> None:
    body = sign(_entity(SECRET), key_id=keys.reporter, home=keys.reporter_home)
    raw = _mail(body.content_type, body.body, "signed").replace(
        b"From: reporter@example.jp", b"From: ceo@bank.example"
    )

    report = _receive(raw, keys)

    signature = report.extra["pgp"]["signature"]
    assert (signature["status"], signature["signer_matches_from"]) == ("valid", False)
    assert signature["signer_emails"] == ["reporter@example.jp"]


def _inline_encrypted(keys: Keys) -> bytes:
    encrypted = keyring(keys.reporter_home).encrypt(
        SECRET.encode(), [keys.center], sign=keys.reporter, always_trust=True, armor=True
    )
    return bytes(encrypted.data)


def test_text_outside_an_inline_encrypted_block_is_marked_not_encrypted(keys: Keys) -> None:
    body = UNSIGNED.encode() + b"\r\n\r\n" + _inline_encrypted(keys)

    report = _receive(_mail("text/plain; charset=utf-8", body), keys)

    pgp = report.extra["pgp"]
    assert (pgp["decrypted"], pgp["format"], pgp["partly_encrypted"]) == (True, "inline", True)
    assert "smbc-card" in report.text and "evil.example-phish.xyz" in report.text
    assert pgp["signature"]["status"] == "partly_signed"  # it is inside the encrypted block


def test_an_inline_encrypted_block_alone_is_wholly_encrypted(keys: Keys) -> None:
    body = b"\r\n" + _inline_encrypted(keys) + b"\r\n\r\n"

    report = _receive(_mail("text/plain; charset=utf-8", body), keys)

    pgp = report.extra["pgp"]
    assert (pgp["decrypted"], pgp["partly_encrypted"]) == (True, False)
    assert (pgp["signature"]["status"], pgp["signature"]["signer_matches_from"]) == ("valid", True)


def test_the_incident_page_says_partly_signed_not_valid(
    keys: Keys, personas: dict[str, User]
) -> None:
    body = UNSIGNED.encode() + b"\r\n\r\n" + _clearsigned(keys)
    report = _receive(_mail("text/plain; charset=utf-8", body, "quoted"), keys)
    url = reverse("incidents:detail", args=[report.incident.ref])
    analyst = personas["analyst"]

    card = signed_in(analyst).get(url).content.decode().split(f'id="report-{report.pk}"')[1]
    analyst.language = "en"
    analyst.save()
    english = signed_in(analyst).get(url).content.decode()

    assert "一部のみ署名" in card and "署名は有効" not in card
    assert "&lt;reporter@example.jp&gt;" in card  # the signer, as GnuPG names them
    assert "partly signed" in english and "signature valid" not in english


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_an_inline_encrypted_block_in_a_transfer_encoding_is_decrypted(
    keys: Keys, cte: str
) -> None:
    # A mail program sends Japanese text around the block as base64 or quoted-printable:
    # the armor is then not in the raw bytes as written ("=" is "=3D" in the latter).
    block = "以下のとおり報告します。\r\n\r\n".encode() + _inline_encrypted(keys)
    content_type = f"text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {cte}"
    raw = _mail(content_type, _transfer_encoded(block, cte))

    report = _receive(raw, keys)

    pgp = report.extra["pgp"]
    assert (pgp["decrypted"], pgp["format"], pgp["partly_encrypted"]) == (True, "inline", True)
    assert "以下のとおり報告します。" in report.text
    assert "smbc-card" in report.text and "BEGIN PGP MESSAGE" not in report.text
    assert bytes(report.raw.content) == raw  # the message as it came is kept


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
def test_a_transfer_encoded_inline_encrypted_block_alone_is_wholly_encrypted(
    keys: Keys, cte: str
) -> None:
    content_type = f"text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {cte}"
    raw = _mail(content_type, _transfer_encoded(_inline_encrypted(keys), cte))

    report = _receive(raw, keys)

    pgp = report.extra["pgp"]
    assert (pgp["decrypted"], pgp["partly_encrypted"]) == (True, False)
    assert pgp["signature"]["status"] == "valid"
