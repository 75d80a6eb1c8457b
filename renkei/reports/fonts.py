"""Finding a Japanese font for charts and the PDF.

Japanese text drawn with a font that lacks the glyphs comes out as boxes.
The project's setup installs Debian's `fonts-noto-cjk`; this module finds
it (or another Japanese font) through matplotlib's font list and, failing
that, through fontconfig. When there is none, callers warn with
`JapaneseFontMissing` and degrade (charts fall back to English labels)
instead of printing boxes without a word.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import warnings
from functools import cache

logger = logging.getLogger(__name__)

# In order of preference; all have Latin glyphs as well.
PREFERRED = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Source Han Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "VL Gothic",
)
CSS_FONT_STACK = ", ".join(f'"{name}"' for name in PREFERRED) + ", sans-serif"
INSTALL_HINT = "install a Japanese font (Debian: apt-get install fonts-noto-cjk)"


class JapaneseFontMissing(UserWarning):
    """No Japanese font is installed: Japanese text cannot be drawn."""


def _from_matplotlib() -> str | None:
    from matplotlib import font_manager  # on first use: slow to import (see charts.py)

    names = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in PREFERRED if name in names), None)


def _from_fontconfig() -> str | None:
    """Ask fontconfig for the fonts covering Japanese and teach matplotlib about them.

    matplotlib's font list is a cache, built at its first use: fonts installed
    after it (`make run`, then the fonts) are missing from it. Every file is
    added, not only the first: a family's weights are separate files, and with
    only NotoSansCJK-Bold (first in name order) every label was drawn bold.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [fc_list, ":lang=ja", "file"], capture_output=True, text=True, check=False, timeout=20
    )
    paths = sorted({line.split(":")[0].strip() for line in result.stdout.splitlines() if line})
    from matplotlib import font_manager

    added: list[str] = []
    for path in paths:
        try:
            font_manager.fontManager.addfont(path)
            added.append(font_manager.FontProperties(fname=path).get_name())
        except (OSError, RuntimeError, ValueError):
            continue
    return next((name for name in PREFERRED if name in added), added[0] if added else None)


@cache
def japanese_font() -> str | None:
    """The family name of an installed Japanese font, or None."""
    found = _from_matplotlib() or _from_fontconfig()
    if found is None:
        logger.warning("no Japanese font found: %s", INSTALL_HINT)
    return found


def warn_missing(what: str) -> None:
    warnings.warn(
        f"no Japanese font is installed, so {what}; {INSTALL_HINT}",
        JapaneseFontMissing,
        stacklevel=3,
    )
