"""Invisible marks in untrusted text: bidirectional controls and zero-width characters.

They change how the text around them is displayed without showing themselves:
"invoice<U+202E>fdp.exe" reads as "invoiceexe.pdf". Names made for a file system
drop them (`renkei.lib.archives.download_name`); text shown to an analyst shows
them (`reveal_marks`).
"""

from __future__ import annotations

import re
from typing import Any

# Zero-width space to right-to-left mark, the embeddings and overrides, the
# isolates, and the byte order mark used as a zero-width no-break space.
INVISIBLE_MARKS = "\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE_MARKS}]")


def reveal_marks(value: Any) -> str:
    """`value` as text, each invisible mark written out as <U+202E>."""
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(value))
