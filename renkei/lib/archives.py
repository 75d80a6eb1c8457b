"""What is inside an attachment: archives listed recursively, safely.

Attachments are hostile. Nothing here executes anything or writes a member to
disk (only the rar backend needs the archive itself as a file, and gets it
inside a TemporaryDirectory). Every byte that comes out of a decompressor is
counted as it comes out, in chunks, against `Limits`: declared sizes are
attacker-controlled and only ever used to refuse early, never to allow.

Japanese senders routinely zip attachments with a password sent in the same
mail (PPAP), so candidate passwords are looked for in the body text.
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import gzip
import hashlib
import io
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import time
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import py7zr
import pyzipper
from py7zr.io import Py7zIO, WriterFactory

from renkei.lib.filetype import FileType, detect, kind_for
from renkei.lib.marks import INVISIBLE_MARKS

MB = 1024 * 1024
# Public on purpose: the convention every malware analyst expects.
DOWNLOAD_PASSWORD = "infected"  # noqa: S105
# Tried after the caller's candidates: analysts forward samples zipped this way.
DEFAULT_PASSWORDS: tuple[str, ...] = (DOWNLOAD_PASSWORD,)
_CHUNK = 64 * 1024
# Below this much output the ratio is not judged: small text compresses well.
_RATIO_FLOOR = 1 * MB

EXECUTABLE_EXTENSIONS = frozenset(
    (
        ".exe", ".scr", ".com", ".pif", ".dll", ".cpl", ".msi", ".msp", ".msc", ".jar",
        ".js", ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".bat", ".cmd", ".ps1", ".psm1",
        ".lnk", ".url", ".scf", ".hta", ".chm", ".sct", ".reg", ".iso", ".img", ".vhd",
        ".vhdx", ".appx", ".msix", ".appinstaller", ".application", ".xll", ".apk",
        ".dmg", ".pkg", ".app", ".sh", ".elf",
    )
)  # fmt: skip
_EXECUTABLE_KINDS = frozenset({"executable", "script", "shortcut", "disk_image"})


@dataclass(frozen=True)
class Limits:
    max_depth: int = 5
    max_members: int = 1000
    max_total_size: int = 200 * MB
    max_ratio: int = 100
    max_member_size: int = 50 * MB
    # Guessing passwords is where a small hostile archive costs the most: an AES zip
    # of 1,000 members tried with 20 announced passwords, or a 7z whose sender set the
    # key derivation to 2**24 rounds (seconds per guess). Mail waits behind it.
    max_seconds: float = 20.0
    max_password_tries: int = 200


# One guess slower than this: the sender chose a costly key derivation on purpose;
# the archive's other candidates are not tried.
SLOW_GUESS_SECONDS = 2.0
# Encrypted members of one archive that no candidate opened before the others of that
# archive are left untried (they nearly always share one password).
UNOPENED_MEMBERS_BEFORE_GIVING_UP = 3


@dataclass(frozen=True)
class Member:
    path: str  # through the archive chain: "a.zip/b.7z/c.exe"
    size: int
    sha256: str  # "" when the content could not be read
    filetype: FileType
    encrypted: bool = False
    password_used: str | None = None
    is_executable: bool = False
    office: dict[str, Any] | None = None
    children: list[Member] = field(default_factory=list)
    complete: bool = True  # False when not read whole (no password, over a limit)


@dataclass(frozen=True)
class ArchiveReport:
    root: Member
    problems: list[str]
    stopped: str | None = None  # the limit that ended the walk (a zip bomb, usually)

    @property
    def members(self) -> list[Member]:
        return self.root.children

    def walk(self) -> Iterator[Member]:
        """The root and every member below it, depth first, in archive order."""
        stack = [self.root]
        while stack:
            member = stack.pop()
            yield member
            stack.extend(reversed(member.children))


# --- Passwords ----------------------------------------------------------------------

_KEYWORD = (
    r"(?<![A-Za-z])(?:解凍|展開|圧縮)?(?:パスワード|パスコード|暗証番号|"
    r"passwords?|passwd|passcode|pass|pwd|pw)"
)
_SEPARATOR = r"\s*(?:[:=]|は|is\b|-)+\s*:?\s*"
_QUOTED = r"[「『\"'【《〈\[]([^」』\"'】》〉\]\r\n]{1,64})[」』\"'】》〉\]]"
_BARE = r"([!-~]{1,64})"  # a bare password is printable ASCII (after NFKC)
_PASSWORD = re.compile(
    rf"{_KEYWORD}(?:(?:{_SEPARATOR})?{_QUOTED}|{_SEPARATOR}{_BARE})", re.IGNORECASE
)
_MAX_CANDIDATES = 20


def candidate_passwords(text: str) -> list[str]:
    """Passwords announced in a message body (`パスワード：abc123`,
    `解凍パスワードは「...」`, `password: xyz`, `PW: ...`), in order, each once.

    Full-width characters are folded first (NFKC), so `ＰＷ：ａｂｃ` is found
    as `abc`, which is what the sender's zip tool was given.
    """
    folded = unicodedata.normalize("NFKC", text)
    found: dict[str, None] = {}
    for match in _PASSWORD.finditer(folded):
        value = (match.group(1) or match.group(2) or "").strip()
        if match.group(2):
            value = value.rstrip(".,;:!?)")
        if value:
            found[value] = None
    return list(found)[:_MAX_CANDIDATES]


# --- The walk -----------------------------------------------------------------------


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class _LimitReached(Exception):
    """Raised through library code (py7zr calls our writer) to abort extraction."""


@dataclass
class _Container:
    """One archive being read: its size, how much came out of it so far, and what
    guessing its passwords has taught (the one that worked is tried first)."""

    path: str
    size: int
    produced: int = 0
    password: str | None = None
    unopened: int = 0

    def candidates(self, passwords: list[str]) -> list[str]:
        if self.password is None:
            return passwords
        return [self.password, *(p for p in passwords if p != self.password)]

    def gave_up_guessing(self, walk: _Walk) -> bool:
        if self.unopened < UNOPENED_MEMBERS_BEFORE_GIVING_UP:
            return False
        walk.note(
            f"{self.path}: no candidate password opened {self.unopened} encrypted members; "
            "the others were not tried"
        )
        return True


class _Walk:
    def __init__(self, limits: Limits, passwords: Sequence[str], deadline: float | None) -> None:
        self.limits = limits
        self.passwords = list(dict.fromkeys([*passwords, *DEFAULT_PASSWORDS]))
        self.problems: list[str] = []
        self.stopped: str | None = None
        self.members = 0
        self.total = 0
        self.office_analyses = 0
        self.password_tries = 0
        own = time.monotonic() + limits.max_seconds
        self.deadline = own if deadline is None else min(own, deadline)

    def note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def stop(self, reason: str) -> _LimitReached:
        if self.stopped is None:
            self.stopped = reason
            self.note(reason)
        return _LimitReached(reason)

    def count_member(self, path: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise self.stop(f"more than {self.limits.max_members} members; stopped at {path}")
        self.check_time(path)

    def check_time(self, path: str) -> None:
        if time.monotonic() > self.deadline:
            raise self.stop(f"inspection ran out of time; stopped at {path}")

    def may_guess(self, path: str) -> bool:
        """Count one password guess; False (and the walk stopped) once the walk has
        guessed or taken too much. The member is still listed, unread."""
        if self.stopped:
            return False
        self.password_tries += 1
        if self.password_tries > self.limits.max_password_tries:
            self.stop(
                f"more than {self.limits.max_password_tries} password guesses; stopped at {path}"
            )
        elif time.monotonic() > self.deadline:
            self.stop(f"inspection ran out of time; stopped at {path}")
        return self.stopped is None

    def account(self, size: int, container: _Container) -> None:
        """Count bytes that came out of a decompressor; raise once a limit is crossed."""
        self.total += size
        container.produced += size
        if self.total > self.limits.max_total_size:
            raise self.stop(f"more than {self.limits.max_total_size} bytes unpacked in total")
        ratio = self.limits.max_ratio
        if container.produced > max(_RATIO_FLOOR, ratio * container.size):
            raise self.stop(
                f"zip bomb suspected: {container.path} expands more than {ratio} times "
                f"its size ({container.size} bytes)"
            )

    def read(self, stream: _Readable, path: str, container: _Container) -> bytes | None:
        """A member's bytes, read in chunks; None when it is over the member limit."""
        if self.stopped:
            return None
        chunks: list[bytes] = []
        size = 0
        while chunk := stream.read(_CHUNK):
            try:
                self.account(len(chunk), container)
            except _LimitReached:
                return None  # the member stays listed, unread; the walk ends after it
            size += len(chunk)
            if size > self.limits.max_member_size:
                self.note(f"{path}: larger than {self.limits.max_member_size} bytes; not read")
                return None
            chunks.append(chunk)
        return b"".join(chunks)


@dataclass
class _Entry:
    name: str
    data: bytes | None  # None when it could not be read
    encrypted: bool = False
    password: str | None = None
    declared_size: int = 0


_Reader = Callable[[bytes, _Container, _Walk], Iterator[_Entry]]


def inspect_attachment(
    filename: str,
    data: bytes,
    *,
    passwords: Sequence[str] = (),
    limits: Limits = Limits(),
    deadline: float | None = None,
) -> ArchiveReport:
    """Describe an attachment and, recursively, every archive member inside it.

    `deadline` (time.monotonic()) is shared by a message's attachments; the walk also
    stops after `limits.max_seconds` of its own.
    """
    walk = _Walk(limits, passwords, deadline)
    root = _describe(_Entry(filename or "attachment", data), filename or "attachment", 0, walk)
    return ArchiveReport(root=root, problems=walk.problems, stopped=walk.stopped)


def _describe(entry: _Entry, path: str, depth: int, walk: _Walk) -> Member:
    name = entry.name.rstrip(" .")  # Windows drops these, so "a.exe." runs as a.exe
    if entry.data is None:
        filetype = FileType("application/octet-stream", "not read", kind_for("", name))
        return Member(
            path=path,
            size=entry.declared_size,
            sha256="",
            filetype=filetype,
            encrypted=entry.encrypted,
            is_executable=is_executable(name, filetype),
            complete=False,
        )
    filetype = detect(entry.data, name)
    return Member(
        path=path,
        size=len(entry.data),
        sha256=hashlib.sha256(entry.data).hexdigest(),
        filetype=filetype,
        encrypted=entry.encrypted,
        password_used=entry.password,
        is_executable=is_executable(name, filetype),
        office=_office(entry.data, filetype, path, walk),
        children=_children(entry.data, filetype, path, depth, walk),
    )


def is_executable(name: str, filetype: FileType) -> bool:
    extension = os.path.splitext(name.lower())[1]
    return filetype.kind in _EXECUTABLE_KINDS or extension in EXECUTABLE_EXTENSIONS


def _children(data: bytes, filetype: FileType, path: str, depth: int, walk: _Walk) -> list[Member]:
    reader = _reader_for(data, filetype)
    if reader is None or walk.stopped:
        return []
    if depth >= walk.limits.max_depth:
        walk.note(f"{path}: archives nested deeper than {walk.limits.max_depth}; not opened")
        return []
    container = _Container(path=path, size=len(data))
    children: list[Member] = []
    try:
        # After a stop, members are still listed (unread) until a count limit ends it.
        for entry in reader(data, container, walk):
            children.append(_describe(entry, f"{path}/{entry.name}", depth + 1, walk))
    except _LimitReached:
        pass  # recorded by walk.stop(); what was read so far is kept
    except Exception as err:  # noqa: BLE001 - isolates untrusted input; the error is recorded
        # zipfile, pyzipper, tarfile, py7zr and rarfile raise nearly anything on crafted
        # input (NotImplementedError, ValueError, KeyError, IndexError, struct.error, ...),
        # and no list of types stays complete. The attachment is evidence and must be
        # stored whatever its listing, so a failure ends this archive's listing only:
        # the members read so far are kept and the error is named, as a bomb's reason is.
        walk.note(f"{path}: unreadable or damaged archive ({type(err).__name__}: {err})")
    return children


def _reader_for(data: bytes, filetype: FileType) -> _Reader | None:
    # OOXML and jar files are zips too, but their parts are not attachments.
    if filetype.kind in ("office", "executable"):
        return None
    for offset, signature, reader in _SIGNATURES:
        if data.startswith(signature, offset):
            return reader
    return None


# --- zip ----------------------------------------------------------------------------

# What zipfile and its decompressors raise on damaged or wrongly decrypted data.
# pyzipper carries its own copy of zipfile, with its own BadZipFile.
_BAD_ZIP = (zipfile.BadZipFile, pyzipper.BadZipFile)
_ZIP_ERRORS = (*_BAD_ZIP, RuntimeError, zlib.error, lzma.LZMAError, EOFError, OSError)


def _password_bytes(password: str) -> list[bytes]:
    """Zip tools encode passwords in the system code page: cp932 on Japanese Windows."""
    forms = [password.encode("utf-8")]
    with contextlib.suppress(UnicodeEncodeError):
        forms.append(password.encode("cp932"))
    return list(dict.fromkeys(forms))


def _zip_entries(data: bytes, container: _Container, walk: _Walk) -> Iterator[_Entry]:
    try:
        archive = pyzipper.AESZipFile(io.BytesIO(data))
    except (*_BAD_ZIP, ValueError, OSError, EOFError) as err:
        walk.note(f"{container.path}: unreadable zip ({err})")
        return
    # Anything else a crafted directory raises ("zip file version 9.9") is recorded by
    # _children, which isolates every archive reader.
    with archive:
        for info in archive.infolist():
            name = _zip_name(info)
            if name.endswith("/"):  # not info.is_dir(): it raises on an empty name
                continue
            walk.count_member(f"{container.path}/{name}")
            yield _zip_member(archive, info, name, container, walk)


_UTF8_NAME = 0x800  # general purpose flag bit 11: the name is UTF-8


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name as the sender saw it. Without the UTF-8 flag zipfile decodes
    names as cp437, as the zip spec says, but zip tools write the system code page
    (cp932 on Japanese Windows) or UTF-8 without setting the flag."""
    if info.flag_bits & _UTF8_NAME:
        return info.filename
    written = info.filename.encode("cp437")  # the bytes in the archive, as zipfile read them
    for encoding in ("utf-8", "cp932"):
        with contextlib.suppress(UnicodeDecodeError):
            return written.decode(encoding)
    return info.filename


def _zip_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    container: _Container,
    walk: _Walk,
) -> _Entry:
    path = f"{container.path}/{name}"
    entry = _Entry(name, None, bool(info.flag_bits & 0x1), None, info.file_size)
    if not entry.encrypted:
        entry.data = _zip_read(archive, info, None, path, container, walk)
        return entry
    if container.gave_up_guessing(walk):
        return entry
    for password in container.candidates(walk.passwords):
        for form in _password_bytes(password):
            if not walk.may_guess(path):
                return entry
            entry.data = _zip_read(archive, info, form, path, container, walk, quiet=True)
            if entry.data is not None:
                entry.password = container.password = password
                return entry
            if walk.stopped:
                return entry
    container.unopened += 1
    walk.note(f"{path}: encrypted; no candidate password worked")
    return entry


def _zip_read(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    password: bytes | None,
    path: str,
    container: _Container,
    walk: _Walk,
    *,
    quiet: bool = False,
) -> bytes | None:
    try:
        with archive.open(info, pwd=password) as stream:
            return walk.read(stream, path, container)
    except NotImplementedError as err:  # compression methods zipfile lacks (deflate64)
        walk.note(f"{path}: {err}")
    except _ZIP_ERRORS as err:
        if not quiet:  # with a password, failing is how a wrong one shows
            walk.note(f"{path}: cannot be read ({err})")
    except Exception as err:  # noqa: BLE001 - isolates untrusted input; the error is recorded
        # A crafted local header or AES extra field raises anything (ValueError "negative
        # seek", KeyError, UnicodeDecodeError, struct.error); caught here, per member, so
        # that the other members are still read. Never how a wrong password shows.
        walk.note(f"{path}: cannot be read ({type(err).__name__}: {err})")
    return None


# --- 7z -----------------------------------------------------------------------------


class _Sink(Py7zIO):
    """Where py7zr writes one member: counted against the limits as it arrives."""

    def __init__(self, walk: _Walk, container: _Container) -> None:
        self.walk = walk
        self.container = container
        self.buffer = bytearray()
        self.oversize = False
        self.finished = False  # py7zr closes a sink only when its member is whole

    def write(self, s: bytes | bytearray) -> int:
        self.walk.account(len(s), self.container)
        if len(self.buffer) + len(s) > self.walk.limits.max_member_size:
            self.oversize = True
            self.buffer.clear()
        elif not self.oversize:
            self.buffer.extend(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return len(self.buffer)

    def close(self) -> None:
        self.finished = True


class _SinkFactory(WriterFactory):
    def __init__(self, walk: _Walk, container: _Container) -> None:
        self.walk = walk
        self.container = container
        self.sinks: dict[str, _Sink] = {}

    def create(self, filename: str) -> Py7zIO:
        sink = _Sink(self.walk, self.container)
        self.sinks[filename] = sink
        return sink

    def content(self, name: str) -> bytes | None:
        sink = self.sinks.get(name)
        if sink is None or sink.oversize or not sink.finished:
            return None
        return bytes(sink.buffer)


def _sevenzip_entries(data: bytes, container: _Container, walk: _Walk) -> Iterator[_Entry]:
    entries = _sevenzip_open(data, container, walk)
    if entries is None:
        walk.note(f"{container.path}: encrypted 7z; no candidate password worked")
        entries = _sevenzip_listing(data)
    for entry in entries:
        walk.count_member(f"{container.path}/{entry.name}")
        yield entry


def _sevenzip_open(data: bytes, container: _Container, walk: _Walk) -> list[_Entry] | None:
    """The entries, opened without a password or with the first candidate that works."""
    for password in (None, *walk.passwords):
        if walk.stopped:
            return None
        if password is not None and not walk.may_guess(container.path):
            return None
        started = time.monotonic()
        entries = _sevenzip_try(data, password, container, walk)
        if entries is not None:
            return entries
        took = time.monotonic() - started
        if password is not None and took > SLOW_GUESS_SECONDS:
            walk.note(
                f"{container.path}: one password guess took {took:.0f} s (the sender's key "
                "derivation cost); the other candidates were not tried"
            )
            return None
    return None


def _sevenzip_try(
    data: bytes, password: str | None, container: _Container, walk: _Walk
) -> list[_Entry] | None:
    """Entries with their content, or None when this password does not open it."""
    factory = _SinkFactory(walk, container)
    files: list[Any] = []
    try:
        with py7zr.SevenZipFile(io.BytesIO(data), password=password) as archive:
            if password is None and archive.needs_password():
                return None
            files = [info for info in archive.list() if not info.is_directory]
            targets = _sevenzip_targets(files, container, walk)
            archive.extract(targets=targets, factory=factory)
    except _LimitReached:
        pass  # recorded by walk.stop(); members finished before it are kept
    except py7zr.exceptions.PasswordRequired:
        return None
    except Exception as err:  # noqa: BLE001 - py7zr raises anything on garbage (TypeError seen)
        if password is not None:
            return None  # how a wrong password shows
        walk.note(f"{container.path}: unreadable 7z ({type(err).__name__}: {err})")
        return []
    encrypted = password is not None
    return [
        _Entry(
            name=info.filename,
            data=factory.content(info.filename),
            encrypted=encrypted,
            password=password,
            declared_size=info.uncompressed,
        )
        for info in files
    ]


def _sevenzip_targets(files: list[Any], container: _Container, walk: _Walk) -> list[str]:
    """Members worth extracting. py7zr never writes past a declared size, so a
    declared size over the limit can be refused without decompressing it."""
    if walk.members + len(files) > walk.limits.max_members:
        raise walk.stop(f"{container.path}: more than {walk.limits.max_members} members")
    targets = []
    for info in files:
        path = f"{container.path}/{info.filename}"
        if info.uncompressed > walk.limits.max_member_size:
            walk.note(f"{path}: declares {info.uncompressed} bytes; not read")
        else:
            targets.append(info.filename)
    return targets


def _sevenzip_listing(data: bytes) -> list[_Entry]:
    """Names and declared sizes of an archive we cannot decrypt (if its header is clear)."""
    try:
        with py7zr.SevenZipFile(io.BytesIO(data)) as archive:
            files = [info for info in archive.list() if not info.is_directory]
    except Exception:  # noqa: BLE001 - an encrypted header hides even the names
        return []
    return [_Entry(info.filename, None, True, None, info.uncompressed) for info in files]


# --- Single-stream compressors and tar ----------------------------------------------

_STREAM_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError)


def _unwrapped_name(path: str, suffixes: dict[str, str]) -> str:
    base = path.rsplit("/", 1)[-1]
    for suffix, replacement in suffixes.items():
        if base.lower().endswith(suffix):
            return base[: -len(suffix)] + replacement
    return base + ".out"


def _stream_reader(opener: Callable[[io.BytesIO], Any], suffixes: dict[str, str]) -> _Reader:
    def entries(data: bytes, container: _Container, walk: _Walk) -> Iterator[_Entry]:
        name = _unwrapped_name(container.path, suffixes)
        walk.count_member(f"{container.path}/{name}")
        try:
            with opener(io.BytesIO(data)) as stream:
                content = walk.read(stream, f"{container.path}/{name}", container)
        except _STREAM_ERRORS as err:
            walk.note(f"{container.path}: cannot be decompressed ({err})")
            content = None
        yield _Entry(name, content)

    return entries


def _tar_entries(data: bytes, container: _Container, walk: _Walk) -> Iterator[_Entry]:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            while info := archive.next():
                walk.count_member(f"{container.path}/{info.name}")
                if info.isfile():
                    yield _tar_member(archive, info, container, walk)
    except (tarfile.TarError, *_STREAM_ERRORS) as err:
        walk.note(f"{container.path}: unreadable or damaged tar ({err})")


def _tar_member(
    archive: tarfile.TarFile, info: tarfile.TarInfo, container: _Container, walk: _Walk
) -> _Entry:
    path = f"{container.path}/{info.name}"
    stream = archive.extractfile(info)
    if stream is None:
        return _Entry(info.name, None, declared_size=info.size)
    try:
        return _Entry(info.name, walk.read(stream, path, container), declared_size=info.size)
    except (tarfile.TarError, *_STREAM_ERRORS) as err:
        walk.note(f"{path}: cannot be read ({err})")
        return _Entry(info.name, None, declared_size=info.size)


# --- rar ----------------------------------------------------------------------------


@functools.cache
def _rar_available() -> bool:
    try:
        import rarfile
    except ImportError:
        return False
    if not any(shutil.which(tool) for tool in ("unrar", "unar", "bsdtar")):
        return False
    try:
        rarfile.tool_setup()
    except rarfile.Error:
        return False
    return True


def _rar_entries(data: bytes, container: _Container, walk: _Walk) -> Iterator[_Entry]:
    if not _rar_available():
        walk.note("rar: no extraction tool available")
        return
    import rarfile

    # rarfile hands the archive to an external tool, which needs a file.
    with tempfile.TemporaryDirectory(prefix="renkei-rar-") as directory:
        archive_path = os.path.join(directory, "archive.rar")
        with open(archive_path, "wb") as handle:
            handle.write(data)
        try:
            # strict: a damaged header is an error, not an archive that just ends there
            with rarfile.RarFile(archive_path, errors="strict") as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    walk.count_member(f"{container.path}/{info.filename}")
                    yield _rar_member(archive, info, container, walk)
        except rarfile.Error as err:
            walk.note(f"{container.path}: unreadable rar ({err})")


def _rar_member(archive: Any, info: Any, container: _Container, walk: _Walk) -> _Entry:
    import rarfile

    path = f"{container.path}/{info.filename}"
    if not info.needs_password():
        try:
            with archive.open(info) as stream:
                content = walk.read(stream, path, container)
            return _Entry(info.filename, content, declared_size=info.file_size)
        except rarfile.Error as err:
            walk.note(f"{path}: cannot be read ({err})")
            return _Entry(info.filename, None, declared_size=info.file_size)
    if container.gave_up_guessing(walk):
        return _Entry(info.filename, None, True, None, info.file_size)
    for password in container.candidates(walk.passwords):
        if not walk.may_guess(path):
            break
        try:
            with archive.open(info, pwd=password) as stream:
                content = walk.read(stream, path, container)
            container.password = password
            return _Entry(info.filename, content, True, password, info.file_size)
        except rarfile.Error:
            if walk.stopped:
                break
    container.unopened += 1
    walk.note(f"{path}: encrypted; no candidate password worked")
    return _Entry(info.filename, None, True, None, info.file_size)


def _gunzip(source: io.BytesIO) -> gzip.GzipFile:
    return gzip.GzipFile(fileobj=source)


_SIGNATURES: tuple[tuple[int, bytes, _Reader], ...] = (
    (0, b"PK\x03\x04", _zip_entries),
    (0, b"PK\x05\x06", _zip_entries),
    (0, b"7z\xbc\xaf\x27\x1c", _sevenzip_entries),
    (0, b"Rar!\x1a\x07", _rar_entries),
    (0, b"\x1f\x8b", _stream_reader(_gunzip, {".tgz": ".tar", ".gz": "", ".gzip": ""})),
    (0, b"BZh", _stream_reader(bz2.BZ2File, {".tbz2": ".tar", ".bz2": "", ".tbz": ".tar"})),
    (0, b"\xfd7zXZ\x00", _stream_reader(lzma.LZMAFile, {".txz": ".tar", ".xz": ""})),
    (257, b"ustar", _tar_entries),
)


# --- Office documents ---------------------------------------------------------------

_MAX_OFFICE_ANALYSES = 20
# Embedded object classes that only ever appear in documents to exploit them.
_EXPLOIT_CLASSES = {
    "equation.3": "Equation Editor object (CVE-2017-11882, CVE-2018-0802)",
    "package": "OLE Package (embedded file)",
    "htmlfile": "htmlfile object (CVE-2017-0199 style)",
}


def _office(data: bytes, filetype: FileType, path: str, walk: _Walk) -> dict[str, Any] | None:
    """Macro and exploit indicators from oletools, for documents only."""
    if filetype.kind != "office":
        return None
    walk.office_analyses += 1
    if walk.office_analyses > _MAX_OFFICE_ANALYSES:  # each one can take a second
        walk.note(f"more than {_MAX_OFFICE_ANALYSES} documents; the rest not analysed")
        return None
    report: dict[str, Any] = {"has_macros": False, "autoexec": [], "suspicious": []}
    try:
        if data[:4] == b"{\\rt":  # Word opens anything starting like this as RTF
            _rtf_objects(data, report)
        else:
            _macros(data, path, report)
            _indicators(data, report)
    except Exception as err:  # noqa: BLE001 - oletools on hostile input raises anything
        walk.note(f"{path}: office analysis failed ({type(err).__name__}: {err})")
        report["error"] = f"{type(err).__name__}: {err}"
    return report


def _macros(data: bytes, path: str, report: dict[str, Any]) -> None:
    with warnings.catch_warnings():  # olevba's pyparsing grammar warns on every import
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    parser = VBA_Parser(path.rsplit("/", 1)[-1], data=data)
    try:
        report["has_macros"] = bool(parser.detect_macros())
        if report["has_macros"]:
            for kind, keyword, _description in parser.analyze_macros():
                if kind == "AutoExec":
                    report["autoexec"].append(keyword)
                elif kind == "Suspicious":
                    report["suspicious"].append(keyword)
    finally:
        parser.close()


def _indicators(data: bytes, report: dict[str, Any]) -> None:
    from oletools.oleid import RISK, OleID

    for indicator in OleID(data=data).check():
        if indicator.id == "encrypted":
            report["encrypted"] = bool(indicator.value)
        if indicator.risk in (RISK.HIGH, RISK.MEDIUM) and indicator.id not in ("vba", "xlm"):
            report["suspicious"].append(f"{indicator.name}: {indicator.value}")


def _rtf_objects(data: bytes, report: dict[str, Any]) -> None:
    from oletools.rtfobj import RtfObjParser

    parser = RtfObjParser(data)
    parser.parse()
    objects = []
    for rtf_object in parser.objects:
        name = (rtf_object.class_name or b"").decode("latin-1").rstrip("\x00")
        objects.append(name or "(unnamed object)")
        flag = _EXPLOIT_CLASSES.get(name.lower())
        if flag:
            report["suspicious"].append(flag)
        if rtf_object.clsid_desc and "CVE" in rtf_object.clsid_desc:
            report["suspicious"].append(rtf_object.clsid_desc)
    report["objects"] = objects


# --- Safe download ------------------------------------------------------------------

# Controls; ":" (a Windows drive or stream); bidirectional and zero-width
# marks, which make "invoice<RLO>fdp.exe" show as "invoiceexe.pdf".
_UNSAFE_NAME = re.compile(f"[\\x00-\\x1f\\x7f:{INVISIBLE_MARKS}]")
_RESERVED_NAME = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
_LONGEST_NAME = 150


def download_name(filename: str) -> str:
    """A name that unpacks as itself on any analyst's machine, whatever the sender wrote."""
    name = _UNSAFE_NAME.sub("", re.split(r"[\\/]", filename)[-1])
    name = name.strip(" .")  # Windows drops trailing dots and spaces; "..", "." are not names
    if _RESERVED_NAME.fullmatch(name):
        name = "_" + name
    if len(name) > _LONGEST_NAME:
        stem, dot, suffix = name.rpartition(".")
        suffix = "." + suffix[:20] if dot and stem else ""  # the type stays visible
        name = name[: _LONGEST_NAME - len(suffix)].rstrip(" .") + suffix
    return name or "attachment.bin"


def zip_for_download(filename: str, data: bytes) -> bytes:
    """The attachment alone in a zip encrypted (AES-256) with `infected`, so that
    neither a browser nor an antivirus on the analyst's machine opens it by accident."""
    name = download_name(filename)
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(DOWNLOAD_PASSWORD.encode("ascii"))
        archive.writestr(name, data)
    return buffer.getvalue()
