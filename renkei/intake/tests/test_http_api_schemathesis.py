"""Property-based tests of the HTTP API from its own OpenAPI document (schemathesis).

Requests go to the WSGI application in-process (no network), with a bounded
number of generated examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from renkei.accounts.models import ApiToken, User
from renkei.accounts.tokens import hash_secret
from renkei.wsgi import application

MAX_EXAMPLES = 12

# A fixed secret, so that schemathesis knows the auth scheme's credentials and can
# leave them out on purpose when it tests that they are required.
SECRET = "rk_schemathesis-test-token-0123456789abcdefghij"
# A report can be well-formed and still not be one renkei can accept (a phishing
# report without a URL, an unreadable URL): the API answers 422 with the reason,
# and that is a correct answer to schema-valid data too.
# A body over the size limit is refused with 413 before it is parsed: a rejection too.
CONFIG = schemathesis.Config.from_dict({
    "auth": {"openapi": {"BearerToken": {"bearer": SECRET}}},
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "422"]},
        "negative_data_rejection": {"expected-statuses": [
            "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
        ]},
    },
})  # fmt: skip
# Loaded at collection: the OpenAPI document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)


@pytest.fixture
def keep_test_connection(db: None) -> Iterator[None]:
    """As Django's test client does: a request must not close the test's database
    connection (it holds the test transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def staff_token(keep_test_connection: None, personas: dict[str, User]) -> None:
    ApiToken.objects.create(
        user=personas["analyst"], name="schemathesis", token_hash=hash_secret(SECRET),
        prefix=SECRET[:10], created=timezone.now(),
    )  # fmt: skip


@schema.parametrize()
@settings(
    # Derandomized: the same examples on every run, so CI never flakes on a new draw.
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)  # fmt: skip
def test_the_api_keeps_to_its_openapi_document(case: Any, staff_token: None) -> None:
    case.call_and_validate()
