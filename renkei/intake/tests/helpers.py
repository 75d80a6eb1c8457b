from __future__ import annotations

import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from renkei.intake.importer import ExchangeImporter, ImportSummary

RENKEI = str(Path(sys.executable).with_name("renkei"))  # the console script beside python


def write_lines(path: Path, objects: list[dict[str, Any] | str]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for obj in objects:
            out.write((obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)) + "\n")
    return path


def import_objects(tmp_path: Path, objects: list[dict[str, Any] | str]) -> ImportSummary:
    path = write_lines(tmp_path / f"import-{len(list(tmp_path.iterdir()))}.jsonl", objects)
    return ExchangeImporter().run(path)


def report(ref: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "report", "ref": ref, "received_at": at, "channel": "web", **fields}


def renkei_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment of a `renkei` process of its own, on SQLite in `home`."""
    env = {**os.environ, "RENKEI_HOME": str(home), "DJANGO_SETTINGS_MODULE": "renkei.settings"}
    env.pop("RENKEI_DATABASE_URL", None)
    return env | settings


def committed_reports(database: Path) -> int:
    """Reports another process has committed to the SQLite file `database`."""
    try:
        with sqlite3.connect(database, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM intake_report").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def renkei_home(tmp_path: Path) -> Path:
    """A RENKEI_HOME set up by `renkei init` in a process of its own."""
    home = tmp_path / "home"
    subprocess.run(
        [RENKEI, "init"], env=renkei_env(home),
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return home


def many_reports(tmp_path: Path, count: int) -> Path:
    """An exchange file of `count` reports, each of its own site."""
    lines: list[dict[str, Any] | str] = [
        report(f"r{i}", "2025-04-01T10:00:00+09:00", url=f"https://s{i}.example/")
        for i in range(count)
    ]
    return write_lines(tmp_path / "big.jsonl", lines)


def imported_reports_said(out: str) -> int:
    """The report count in `renkei import`'s summary line."""
    match = re.search(r"imported [^;]*?report (\d+)", out)
    assert match, out
    return int(match.group(1))


def assert_a_second_import_finishes(path: Path, home: Path, kept: int, total: int) -> None:
    again = subprocess.run(
        [RENKEI, "import", "--no-progress", str(path)],
        env=renkei_env(home), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"duplicates report {kept}" in again.stdout
    assert committed_reports(home / "renkei.sqlite3") == total


@contextmanager
def files_limited_to(size: int) -> Iterator[None]:
    """As a full disk does: writing past `size` bytes fails (EFBIG; Python ignores SIGXFSZ)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
