"""The registry of intake parts: collectors, parsers, experts, and feed importers.

A test checks that every entry imports and is named consistently:
collectors are `<channel>_receive` functions, parsers `parse_<what>`,
experts verbs over a report, and feed importers `<Format>Importer` classes
whose `format_name` is their key here.
"""

from __future__ import annotations

from typing import Any

from renkei.intake.feeds.intelmq import IntelmqImporter
from renkei.intake.feeds.phishurl import PhishurlImporter
from renkei.intake.feeds.shadowserver import ShadowserverImporter

# format name -> importer class with the ExchangeImporter interface
# (constructor(source=, progress=), run(path) -> ImportSummary).
FEED_IMPORTERS: dict[str, Any] = {
    "phishurl": PhishurlImporter,
    "intelmq": IntelmqImporter,
    "shadowserver": ShadowserverImporter,
}
