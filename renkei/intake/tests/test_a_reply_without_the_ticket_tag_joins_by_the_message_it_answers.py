"""A reply whose subject lost the ticket tag joins the incident of the
notification it answers, found by In-Reply-To or References.

Hosters' ticket systems rewrite subjects ("[Case 8812] Abuse report"), so the
tag `[renkei#I-...]` is often gone; the reply still names our Message-ID.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from renkei.incidents.models import Incident
from renkei.intake.collectors.mail import email_receive
from renkei.intake.models import Report
from renkei.intake.tests.mails import PHISHING_JA, message
from renkei.reports.tests import records

pytestmark = pytest.mark.django_db

OURS = "<170000.1.renkei@csirt.example>"


def _notified_incident() -> Incident:
    first = email_receive(message(subject="phishing", body=PHISHING_JA), collector="test")
    incident = Incident.objects.get(ref=first.incident_ref)
    notification = records.notify(incident, datetime(2024, 4, 1, 12, tzinfo=UTC))
    notification.message_id = OURS
    notification.save(update_fields=["message_id"])
    return incident


def _reply(*headers: str) -> Report:
    outcome = email_receive(
        message(subject="[Case 8812] Abuse report", sender="abuse@host.example",
                body="We have suspended the site.", headers=list(headers)),
        collector="test",
    )  # fmt: skip
    return Report.objects.get(pk=outcome.report_id)


@pytest.mark.parametrize(
    "headers",
    [
        [f"In-Reply-To: {OURS}"],
        [f"References: <a@host.example> {OURS}\r\n <b@host.example>"],  # a thread, folded
    ],
)
def test_the_reply_joins_the_incident_of_the_notification_it_answers(
    brand_catalog: None, headers: list[str]
) -> None:
    incident = _notified_incident()

    answer = _reply(*headers)

    assert answer.incident_id == incident.pk
    assert answer.extra["ticket"] == {"tag": incident.ref, "found": True}
    assert answer.extra["mail"]["answers"] == OURS


def test_a_reply_to_a_message_we_did_not_send_opens_its_own_incident(brand_catalog: None) -> None:
    incident = _notified_incident()

    answer = _reply("In-Reply-To: <someone-else@host.example>")

    assert answer.incident_id != incident.pk
    assert "ticket" not in answer.extra and "answers" not in answer.extra["mail"]
