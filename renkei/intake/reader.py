"""Reading a bulk file (plain or gzip) into parsed batches, streaming.

The importers parse in a thread, a batch or two ahead of the storing
(lib/readahead.py). A forked reader process was tried before (bench/README.md):
handing a parsed batch back cost as much as parsing it (unpickling creates
the same million small strings), so it gained nothing.
"""

from __future__ import annotations

import codecs
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# A line longer than this is rejected, not read: the exchange format's lines are
# records of a few kilobytes, and a file that is one huge line would otherwise be
# held in memory whole (1 GiB took 2.7 GB).
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass
class ParsedBatch:
    lines: list[tuple[int, bytes]]
    records: list[Any] = field(default_factory=list)  # records, or PreparedReports
    errors: list[tuple[int, str]] = field(default_factory=list)
    bytes_read: int = 0
    # Set on the last batch when the file could not be read to its end.
    broken: str = ""


ParseBatch = Callable[[list[tuple[int, bytes]]], ParsedBatch]


class _Decompressed(io.RawIOBase):
    """A gzip stream read a piece at a time, for a buffered reader over it.

    `GzipFile.readinto` fills the whole buffer or raises: at the break of a
    truncated file it raised and dropped the lines it had decompressed.
    `read1` hands over what is there, and raises only when nothing is left.
    """

    def __init__(self, packed: gzip.GzipFile) -> None:
        self.packed = packed

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.packed.read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_lines(path: Path) -> tuple[IO[bytes], io.BufferedReader[Any]]:
    """(raw file for progress, stream of decompressed lines); gzip by magic number."""
    # 64 KiB buffers, gzip or not: `_lf_lines` looks at that much of the start.
    raw = io.BufferedReader(io.FileIO(path, "rb"), 1 << 16)
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        # The buffered reader makes line iteration over gzip several times faster.
        return raw, io.BufferedReader(_Decompressed(gzip.GzipFile(fileobj=raw)), 1 << 16)
    raw.seek(0)
    return raw, raw


def _skip_bom(stream: io.BufferedReader[Any]) -> None:
    """Notepad and Excel start UTF-8 files with a byte order mark; JSON parsers
    refuse it, so it rejected the file's first record. It marks the encoding,
    not data: it is passed over."""
    if stream.peek(len(codecs.BOM_UTF8)).startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))


class _CrAsLf(io.RawIOBase):
    """A stream whose lines end with CR alone, read as if they ended with LF."""

    def __init__(self, stream: io.BufferedReader[Any]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read1(len(buffer)).replace(b"\r", b"\n")
        buffer[: len(data)] = data
        return len(data)


def _lf_lines(stream: io.BufferedReader[Any]) -> io.BufferedReader[Any]:
    """Classic Mac OS ended lines with CR alone; such a file was read as one line and
    rejected whole. A CR inside a JSON line can only be whitespace between tokens, which
    a file with LF (or CRLF) endings may have: only a start without any LF is read so."""
    head = stream.peek(1 << 16)[: 1 << 16]
    if b"\r" in head and b"\n" not in head:
        return io.BufferedReader(_CrAsLf(stream), 1 << 16)
    return stream


class OverlongLine(bytes):
    """The first MAX_LINE_BYTES of a line that was longer; the rest was skipped unread."""

    length: int


def _read_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's lines, none held longer than MAX_LINE_BYTES (one line can be a whole file)."""
    while line := stream.readline(MAX_LINE_BYTES + 1):
        if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
            yield line
            continue
        overlong, length = OverlongLine(line[:MAX_LINE_BYTES]), len(line)
        while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
            length += len(rest)
        overlong.length = length + len(rest)
        yield overlong


def _line_batches(stream: io.BufferedReader[Any], size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch: list[tuple[int, bytes]] = []
    try:
        _skip_bom(stream)
        for number, line in enumerate(_read_lines(_lf_lines(stream)), start=1):
            if isinstance(line, OverlongLine):
                batch.append((number, line))
            elif not line.strip():
                continue
            else:
                batch.append((number, line.rstrip(b"\r\n")))
            if len(batch) >= size:
                yield batch
                batch = []
    except (OSError, EOFError):
        # A truncated .gz breaks mid-batch: the whole lines read before the
        # break are still imported; the caller then reports the break.
        if batch:
            yield batch
        raise
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
