"""Staff pages of intake: .eml upload, attachment download (as an encrypted zip only)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import pyzipper
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from renkei.accounts.models import User
from renkei.accounts.tests.personas import PASSWORD
from renkei.intake.attachments import Attachment
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import RawReport, Report
from renkei.intake.tests.mails import message, multipart

pytestmark = pytest.mark.django_db
UPLOAD = "/intake/upload/"


def _login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_an_analyst_uploads_eml_files_through_the_mail_path(
    client: Client, personas: dict[str, User]
) -> None:
    _login(client, personas["analyst"])
    files = [
        SimpleUploadedFile(
            "one.eml",
            message(subject="one", body="https://a.example-phish.xyz/ ログイン パスワード"),
        ),
        SimpleUploadedFile("two.eml", message(subject="two", body="hello")),
    ]

    response = client.post(UPLOAD, {"emls": files})

    assert response.status_code == 200
    assert Report.objects.filter(channel="email").count() == 2
    report = Report.objects.get(extra__mail__subject="one")
    assert report.extra["mail"]["collector"] == "upload:analyst"
    assert "one.eml" in response.content.decode()
    assert "新しい報告" in response.content.decode()  # the outcome in the reader's language


def test_an_empty_file_among_others_fails_alone(client: Client, personas: dict[str, User]) -> None:
    _login(client, personas["analyst"])
    files = [
        SimpleUploadedFile("good.eml", message(subject="good", body="hello")),
        SimpleUploadedFile("empty.eml", b""),
    ]

    response = client.post(UPLOAD, {"emls": files})

    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", response.content.decode())
    assert rows == [("good.eml", "新しい報告"), ("empty.eml", "失敗")]
    assert Report.objects.count() == 1
    assert RawReport.objects.filter(status="failed").count() == 1  # kept, with its reason


def test_the_outsider_cannot_upload(client: Client, personas: dict[str, User]) -> None:
    _login(client, personas["outsider"])

    response = client.post(UPLOAD, {"emls": [SimpleUploadedFile("x.eml", message())]})

    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client) -> None:
    assert client.get(UPLOAD).status_code == 302


def _attachment() -> Attachment:
    email_receive(
        multipart(subject="sample", text="malware attached",
                  attachments=[("sample.exe", "application/octet-stream", b"MZ" + bytes(64))]),
        collector="test",
    )  # fmt: skip
    return Attachment.objects.get()


def test_staff_download_an_attachment_only_as_a_zip_with_the_password_infected(
    client: Client, personas: dict[str, User]
) -> None:
    attachment = _attachment()
    _login(client, personas["analyst"])

    response = client.get(f"/intake/attachments/{attachment.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{attachment.sha256}.zip"'
    with pyzipper.AESZipFile(io.BytesIO(response.content)) as archive:
        archive.setpassword(b"infected")
        assert archive.read("sample.exe") == b"MZ" + bytes(64)


def test_the_outsider_cannot_download_an_attachment(
    client: Client, personas: dict[str, User]
) -> None:
    attachment = _attachment()
    _login(client, personas["outsider"])

    assert client.get(f"/intake/attachments/{attachment.pk}/download/").status_code == 403


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_incident_page_lists_a_reports_attachments_escaped_with_their_download(
    client: Client, personas: dict[str, User]
) -> None:
    hostile = "<b>invoice\u202efdp.exe"
    email_receive(
        multipart(subject="sample", text="https://a.example-phish.xyz/ see attached",
                  attachments=[(hostile, "application/octet-stream", b"MZ" + bytes(64)),
                               ("docs.zip", "application/zip", _zip({"run.exe": b"MZ" + bytes(9)}))]),
        collector="test",
    )  # fmt: skip
    exe, archive = Attachment.objects.order_by("pk")
    _login(client, personas["analyst"])

    page = client.get(f"/incidents/{Report.objects.get().incident.ref}/").content.decode()

    assert "&lt;b&gt;invoice&lt;U+202E&gt;fdp.exe" in page and "<b>" not in page
    assert "\u202e" not in page
    assert f'href="/intake/attachments/{exe.pk}/download/"' in page
    assert f'href="/intake/attachments/{archive.pk}/download/"' in page
    assert exe.sha256 in page and "run.exe" in page
