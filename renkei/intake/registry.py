"""The registry of intake parts: importers for feeds, by format name.

A test checks that every entry imports and is named consistently.
"""

from __future__ import annotations

from typing import Any

# format name -> importer class with the ExchangeImporter interface
# (constructor(source=, progress=), run(path) -> ImportSummary).
FEED_IMPORTERS: dict[str, Any] = {}
