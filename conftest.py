"""Test-wide hooks. Test-only settings are in renkei/test_settings.py."""

from __future__ import annotations

import os

import pytest


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
