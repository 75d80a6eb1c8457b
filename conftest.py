"""Test-wide setup: a data directory of its own, and the named personas.

RENKEI_HOME must be set before Django reads its settings, which is why it
is done here at import time rather than in a fixture.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("RENKEI_HOME", str(Path(__file__).parent / "var" / "test"))
os.environ.setdefault("RENKEI_TASKS_BACKEND", "immediate")
