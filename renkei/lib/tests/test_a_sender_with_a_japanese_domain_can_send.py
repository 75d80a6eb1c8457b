"""A center whose sender address has a Japanese (IDN) domain sends mail.

`RENKEI_SMTP_FROM = "CSIRT <info@例え.jp>"` made composing every message fail
(the From field cannot carry the domain as written): every notification and
password-reset mail stayed unsent. It goes in the domain's ASCII form, as a
recipient's does, in the From field, the envelope and the Message-ID.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from django.test import override_settings

from renkei.lib.mail import OutgoingMail, compose, send

SENDER = "日本CSIRT <info@例え.jp>"
ASCII_DOMAIN = "xn--r8jz45g.jp"


@override_settings(RENKEI_SMTP_FROM=SENDER)
def test_the_from_field_and_message_id_carry_the_ascii_domain() -> None:
    message_id, data = compose(OutgoingMail(to="abuse@hoster.example", subject="s", text="t"))

    message = message_from_bytes(data, policy=policy.SMTP)
    assert message["From"].addresses[0].addr_spec == f"info@{ASCII_DOMAIN}"
    assert message["From"].addresses[0].display_name == "日本CSIRT"
    assert message_id.endswith(f"@{ASCII_DOMAIN}>")


@override_settings(RENKEI_SMTP_FROM=SENDER, RENKEI_SMTP_HOST="")
def test_it_is_delivered(tmp_path: Path) -> None:
    with override_settings(RENKEI_HOME=tmp_path):
        send(OutgoingMail(to="abuse@hoster.example", subject="s", text="t"))

    [written] = (tmp_path / "outbox").iterdir()
    assert f"info@{ASCII_DOMAIN}".encode() in written.read_bytes()
