"""Test-wide setup: a data directory of its own, and the named personas.

RENKEI_HOME must be set before Django reads its settings, which is why it
is done here at import time rather than in a fixture.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("RENKEI_HOME", str(Path(__file__).parent / "var" / "test"))
os.environ.setdefault("RENKEI_TASKS_BACKEND", "immediate")
# A Redis database of its own, so tests never touch a real queue.
os.environ.setdefault("RENKEI_REDIS_URL", "redis://127.0.0.1:6379/15")


import pytest  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI (CI=true) a skip is a failure: a missing service must not pass silently.

    A test may still skip in CI when its reason starts with "optional:".
    """
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if "optional:" in reason:
        return
    report.outcome = "failed"
    report.longrepr = f"skipped while CI=true, which is not allowed: {reason}"
