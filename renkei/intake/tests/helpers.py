from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from renkei.intake.importer import ExchangeImporter, ImportSummary


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
