"""The public form's rate limit counts across processes (gunicorn runs several workers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from renkei.intake.tests.helpers import renkei_env

COUNT_TWICE = (
    "import django; django.setup()\n"
    "from renkei.intake.ratelimit import rate_limit_exceeded\n"
    "print([rate_limit_exceeded('submit', '192.0.2.1', limit=3, window=600) for _ in range(2)])"
)


def test_two_processes_share_one_count_with_the_default_cache(tmp_path: Path) -> None:
    env = renkei_env(tmp_path / "home")
    env.pop("RENKEI_CACHE_URL", None)  # the default, not the suite's per-process cache

    said = [
        subprocess.run(
            [sys.executable, "-c", COUNT_TWICE], env=env, capture_output=True, text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]  # fmt: skip

    assert said == ["[False, False]", "[False, True]"]  # the 4th attempt is over the limit of 3
