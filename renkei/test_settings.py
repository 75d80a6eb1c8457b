"""Settings for the test suite: the real settings with a few test-only defaults.

pytest-django imports the settings before any conftest.py runs, so the
defaults have to be set here, before renkei.settings reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("RENKEI_HOME", str(Path(__file__).resolve().parents[1] / "var" / "test"))
# Tasks run in the calling process unless a test chooses a backend itself.
os.environ.setdefault("RENKEI_TASKS_BACKEND", "immediate")
# A Redis database of its own, so tests never touch a real queue.
os.environ.setdefault("RENKEI_REDIS_URL", "redis://127.0.0.1:6379/15")
# Nothing cached survives the run (a file cache in var/test would).
os.environ.setdefault("RENKEI_CACHE_URL", "locmem://")

from renkei.settings import *  # noqa: F403

# Test users do not need a slow password hash.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
