"""Messages for the e-mail collector's tests, built byte by byte so that their
charsets are exactly what the tests claim."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pyzipper

CRLF = b"\r\n"
PHISHING_POT = Path("/work/shared/data/phishing-pot-sample/eml")

PHISHING_JA = (
    "【Amazon】お客様のアカウントは一時停止されました。\n"
    "本人確認のため、以下のリンクからログインしてください。\n"
    "hxxps://amazon-co-jp[.]account-verify.xyz/signin\n"
)
SCAN_JA = "弊社サーバー 198.51.100.23 から 22/tcp と 23/tcp へのポートスキャンを観測しました。"


def message(
    *, subject: str = "report", sender: str = "reporter@example.jp",
    body: bytes | str = b"hello", charset: str = "utf-8", cte: str = "8bit",
    headers: list[str] | None = None, content_type: str = "text/plain",
) -> bytes:  # fmt: skip
    """A one-part message; `subject` must already be ASCII (or an encoded word)."""
    if isinstance(body, str):
        body = body.encode(charset)
    if cte == "base64":
        body = base64.encodebytes(body).replace(b"\n", CRLF)
    head = [
        f"From: {sender}", "To: report@renkei.example", f"Subject: {subject}",
        "Date: Mon, 01 Apr 2024 10:00:00 +0900", "Message-ID: <" + subject[:20] + "@example.jp>",
        "MIME-Version: 1.0", f"Content-Type: {content_type}; charset={charset}",
        f"Content-Transfer-Encoding: {cte}", *(headers or []),
    ]  # fmt: skip
    return CRLF.join(h.encode() for h in head) + CRLF + CRLF + body


def encoded_word(charset: str, text: str, codec: str | None = None) -> str:
    data = text.encode(codec or charset)
    return f"=?{charset}?B?{base64.b64encode(data).decode('ascii')}?="


def multipart(
    *, subject: str, text: str, attachments: list[tuple[str, str, bytes]],
    sender: str = "reporter@example.jp",
) -> bytes:  # fmt: skip
    """multipart/mixed: a UTF-8 text part and (filename, content type, data) attachments."""
    boundary = "renkei-test-boundary"
    parts = [
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text.encode()).replace(b"\n", CRLF)
    ]
    for filename, content_type, data in attachments:
        parts.append(
            f'Content-Type: {content_type}; name="{filename}"\r\n'
            f'Content-Disposition: attachment; filename="{filename}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n".encode()
            + base64.encodebytes(data).replace(b"\n", CRLF)
        )
    head = (
        f"From: {sender}\r\nTo: report@renkei.example\r\nSubject: {subject}\r\n"
        "Date: Mon, 01 Apr 2024 10:00:00 +0900\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    ).encode()
    delimiter = f"--{boundary}\r\n".encode()
    body = b"".join(delimiter + part + CRLF for part in parts)
    return head + body + f"--{boundary}--\r\n".encode()


def encrypted_zip(files: dict[str, bytes], password: str) -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def phishing_pot(count: int) -> list[Path]:
    """`count` messages spread over the corpus (every n-th, in name order)."""
    files = sorted(PHISHING_POT.glob("*.eml"))
    step = max(1, len(files) // count)
    return files[::step][:count]
