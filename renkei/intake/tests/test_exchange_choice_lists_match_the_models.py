"""The exchange format's parser keeps its own copies of the models' choices (it reads
lines without importing models); they must not drift apart, or a value the console
stores could no longer be restored from an export."""

from __future__ import annotations

from renkei.coordination.models import NotificationStatus
from renkei.incidents.models import IncidentStatus
from renkei.intake import exchange
from renkei.intake.models import CategoryOrigin


def test_the_exchange_formats_choice_lists_are_the_models() -> None:
    assert set(exchange.CATEGORY_ORIGINS) == set(CategoryOrigin.values)
    assert set(exchange.NOTIFICATION_STATUSES) == set(NotificationStatus.values)
    assert set(exchange.STATUSES_BEFORE_MERGE) == set(IncidentStatus.values) - {"merged"}
