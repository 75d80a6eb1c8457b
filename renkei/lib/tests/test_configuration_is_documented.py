"""Every RENKEI_* variable the code reads is documented (as datasette does)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
NAME = re.compile(r"""["'](RENKEI_[A-Z0-9_]+)["']""")


def _names_in_code() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "renkei").rglob("*.py"):
        if "tests" in path.parts:
            continue
        names.update(NAME.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_setting_read_by_the_code_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(n for n in _names_in_code() if f"`{n}`" not in documented)
    assert missing == [], f"undocumented settings (add them to docs/configuration.md): {missing}"


def test_the_check_finds_the_settings_module() -> None:
    assert "RENKEI_DATABASE_URL" in _names_in_code()
