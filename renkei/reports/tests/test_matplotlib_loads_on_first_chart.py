"""matplotlib (0.7 s to import) is loaded by the first chart, not by start-up."""

from __future__ import annotations

import os
import subprocess
import sys

from renkei.reports.charts import bar_chart_svg

LOADED_AFTER_URLCONF = (
    "import sys, django; django.setup(); import renkei.urls; "
    "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))"
)


def test_loading_the_urlconf_does_not_import_matplotlib() -> None:
    # A fresh interpreter: this test process has long imported everything.
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "renkei.settings"}
    result = subprocess.run(
        [sys.executable, "-c", LOADED_AFTER_URLCONF],
        capture_output=True, text=True, check=True, env=env, timeout=120,
    )  # fmt: skip

    assert result.stdout.strip() == "[]"


def test_a_chart_still_draws() -> None:
    svg = bar_chart_svg(["2024-04"], [12_345], "en")

    assert svg.lstrip().startswith("<?xml") and "12,345" in svg
