"""Reading a bulk file (plain or gzip) into parsed batches, streaming.

Parsing runs in the importing process. A forked reader process was tried
(bench/README.md): handing a parsed batch back costs as much as parsing it
(unpickling creates the same million small strings), so it gained nothing.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class ParsedBatch:
    lines: list[tuple[int, bytes]]
    records: list[Any] = field(default_factory=list)  # records, or PreparedReports
    errors: list[tuple[int, str]] = field(default_factory=list)
    bytes_read: int = 0
    # Set on the last batch when the file could not be read to its end.
    broken: str = ""


ParseBatch = Callable[[list[tuple[int, bytes]]], ParsedBatch]


def open_lines(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(raw file for progress, stream of decompressed lines); gzip by magic number."""
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        # The buffered reader makes line iteration over gzip several times faster.
        return raw, io.BufferedReader(gzip.GzipFile(fileobj=raw), 1 << 16)
    raw.seek(0)
    return raw, raw


def _line_batches(stream: IO[bytes], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        batch.append((number, line.rstrip(b"\r\n")))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def parsed_batches(path: Path, size: int, parse: ParseBatch) -> Iterator[ParsedBatch]:
    """Parse in this process: the file's batches, then a final marker if it broke."""
    raw, stream = open_lines(path)
    with raw:
        last = 0
        try:
            for lines in _line_batches(stream, size):
                parsed = parse(lines)
                parsed.bytes_read = raw.tell()
                last = lines[-1][0]
                yield parsed
        except (OSError, EOFError) as exc:
            yield ParsedBatch(lines=[], broken=f"line {last + 1}: {exc}")
