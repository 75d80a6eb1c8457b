"""What a blob of bytes is, from its content first and its name second.

libmagic (through python-magic) does the work. When it cannot be loaded, a
small signature table keeps intake running and says so in `description`, so an
analyst never mistakes a degraded answer for a libmagic one.

`kind` is deliberately coarse: it drives triage (is this something a victim
could run?), not forensics.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

KINDS: tuple[str, ...] = (
    "executable",
    "office",
    "pdf",
    "archive",
    "script",
    "shortcut",
    "image",
    "text",
    "html",
    "disk_image",
    "other",
)

# libmagic reads at most this much by default; passing more only costs copies.
_MAGIC_BYTES = 1 << 20

_MagicFn = Callable[[bytes, bool], str]


def _load_libmagic() -> _MagicFn | None:
    try:
        import magic
    except ImportError:  # also raised when the libmagic shared library is missing
        return None

    def from_buffer(data: bytes, mime: bool) -> str:
        return str(magic.from_buffer(data, mime=mime))

    return from_buffer


_libmagic: _MagicFn | None = _load_libmagic()


@dataclass(frozen=True, slots=True)
class FileType:
    mime: str
    description: str
    kind: str


_KIND_BY_MIME: dict[str, str] = {
    "application/x-dosexec": "executable",
    "application/vnd.microsoft.portable-executable": "executable",
    "application/x-executable": "executable",
    "application/x-sharedlib": "executable",
    "application/x-pie-executable": "executable",
    "application/x-mach-binary": "executable",
    "application/x-msi": "executable",
    "application/x-ms-installer": "executable",
    "application/java-archive": "executable",
    "application/x-java-applet": "executable",
    "application/pdf": "pdf",
    "application/msword": "office",
    "application/rtf": "office",
    "text/rtf": "office",
    "application/vnd.ms-office": "office",
    "application/x-ole-storage": "office",
    "application/cdfv2": "office",
    "application/encrypted": "office",  # libmagic's answer for encrypted OOXML
    "application/onenote": "office",
    "application/zip": "archive",
    "application/x-zip-compressed": "archive",
    "application/x-7z-compressed": "archive",
    "application/x-rar": "archive",
    "application/vnd.rar": "archive",
    "application/x-rar-compressed": "archive",
    "application/gzip": "archive",
    "application/x-gzip": "archive",
    "application/x-tar": "archive",
    "application/x-bzip2": "archive",
    "application/x-xz": "archive",
    "application/zstd": "archive",
    "application/x-lzh-compressed": "archive",
    "application/x-arj": "archive",
    "application/x-ace-compressed": "archive",
    "application/vnd.ms-cab-compressed": "archive",
    "application/x-iso9660-image": "disk_image",
    "application/x-raw-disk-image": "disk_image",
    "application/x-virtualbox-vhd": "disk_image",
    "application/x-virtualbox-vhdx": "disk_image",
    "application/x-apple-diskimage": "disk_image",
    "application/x-ms-shortcut": "shortcut",
    "application/javascript": "script",
    "text/javascript": "script",
    "text/x-shellscript": "script",
    "text/x-msdos-batch": "script",
    "text/x-python": "script",
    "text/x-perl": "script",
    "application/vnd.ms-htmlhelp": "script",  # CHM files run their scripts when opened
    "text/html": "html",
    "application/xhtml+xml": "html",
    # SVG is rendered by browsers with its scripts, which is why phishers attach it.
    "image/svg+xml": "html",
    "application/json": "text",
    "text/csv": "text",
    "text/xml": "text",
    "application/xml": "text",
}

_KIND_BY_MIME_PREFIX: tuple[tuple[str, str], ...] = (
    ("application/vnd.openxmlformats-officedocument.", "office"),
    ("application/vnd.ms-excel", "office"),
    ("application/vnd.ms-powerpoint", "office"),
    ("application/vnd.ms-word", "office"),
    ("application/vnd.oasis.opendocument.", "office"),
    ("image/", "image"),
    ("text/", "text"),
)

SCRIPT_EXTENSIONS = frozenset(
    [
        ".js",
        ".jse",
        ".vbs",
        ".vbe",
        ".wsf",
        ".wsh",
        ".ps1",
        ".psm1",
        ".bat",
        ".cmd",
        ".hta",
        ".sh",
        ".vba",
        ".sct",
        ".reg",
        ".chm",
    ]
)
SHORTCUT_EXTENSIONS = frozenset([".lnk", ".url", ".scf", ".library-ms", ".settingcontent-ms"])
DISK_IMAGE_EXTENSIONS = frozenset([".iso", ".img", ".vhd", ".vhdx", ".dmg"])


def kind_for(mime: str, filename: str = "") -> str:
    """The coarse kind of a MIME type, corrected by the name where content is ambiguous.

    A `.vbs` is plain text to libmagic and an `.iso` without a volume
    descriptor is just data, yet both are what a victim would run.
    """
    mime = mime.lower()
    kind = _KIND_BY_MIME.get(mime) or _kind_by_prefix(mime)
    ext = os.path.splitext(filename.lower())[1]
    if kind in ("text", "html", "other") and ext in SCRIPT_EXTENSIONS:
        return "script"
    if kind in ("text", "other") and ext in SHORTCUT_EXTENSIONS:
        return "shortcut"
    if kind == "other" and ext in DISK_IMAGE_EXTENSIONS:
        return "disk_image"
    return kind


def _kind_by_prefix(mime: str) -> str:
    for prefix, kind in _KIND_BY_MIME_PREFIX:
        if mime.startswith(prefix):
            return kind
    return "other"


def detect(data: bytes, filename: str = "") -> FileType:
    head = data[:_MAGIC_BYTES]
    if _libmagic is None:
        mime, description = _by_signature(head)
        description = f"{description} (signature table: libmagic unavailable)"
    else:
        mime = _libmagic(head, True)
        description = _libmagic(head, False)
    return FileType(mime=mime, description=description, kind=kind_for(mime, filename))


# --- Fallback signature table ----------------------------------------------

# (offset, signature, mime, description); first match wins, so longer first.
_SIGNATURES: tuple[tuple[int, bytes, str, str], ...] = (
    (
        0,
        b"L\x00\x00\x00\x01\x14\x02\x00",
        "application/x-ms-shortcut",
        "MS Windows shortcut",
    ),
    (
        0,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "application/x-ole-storage",
        "OLE2 compound file",
    ),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed", "7-zip archive"),
    (0, b"Rar!\x1a\x07", "application/x-rar", "RAR archive"),
    (0, b"\xfd7zXZ\x00", "application/x-xz", "XZ compressed data"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png", "PNG image"),
    (0, b"PK\x03\x04", "application/zip", "Zip archive"),
    (0, b"PK\x05\x06", "application/zip", "Zip archive (empty)"),
    (0, b"%PDF-", "application/pdf", "PDF document"),
    (0, b"{\\rtf", "text/rtf", "Rich Text Format"),
    (0, b"\x7fELF", "application/x-executable", "ELF executable"),
    (0, b"\xcf\xfa\xed\xfe", "application/x-mach-binary", "Mach-O 64-bit executable"),
    (0, b"\xce\xfa\xed\xfe", "application/x-mach-binary", "Mach-O executable"),
    (0, b"GIF8", "image/gif", "GIF image"),
    (0, b"\xff\xd8\xff", "image/jpeg", "JPEG image"),
    (0, b"\x1f\x8b", "application/gzip", "gzip compressed data"),
    (0, b"BZh", "application/x-bzip2", "bzip2 compressed data"),
    (0, b"MZ", "application/x-dosexec", "MS-DOS/Windows executable"),
    (0, b"#!", "text/x-shellscript", "script with interpreter line"),
    (257, b"ustar", "application/x-tar", "tar archive"),
    (0x8001, b"CD001", "application/x-iso9660-image", "ISO 9660 image"),
)


def _by_signature(head: bytes) -> tuple[str, str]:
    if not head:
        return "application/x-empty", "empty"
    for offset, signature, mime, description in _SIGNATURES:
        if head.startswith(signature, offset):
            return mime, description
    return _by_text(head)


def _by_text(head: bytes) -> tuple[str, str]:
    if b"\x00" in head[:4096]:  # valid UTF-8, but no text has NUL bytes
        return "application/octet-stream", "data"
    try:
        text = head[:4096].decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < 4090:  # not just a character cut at the end of the sample
            return "application/octet-stream", "data"
        text = head[: err.start].decode("utf-8")
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "text/html", "HTML document"
    if lowered.startswith("<svg") or "<svg" in lowered[:512]:
        return "image/svg+xml", "SVG image"
    return "text/plain", "text"
