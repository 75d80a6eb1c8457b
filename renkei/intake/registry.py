"""The registry of intake parts: collectors, parsers, experts, and feed importers.

Shaped like IntelMQ's bots, in-process: a collector stores what arrived, a
parser turns it into fields, an expert does one thing to a report. A test
(`test_registry_entries_import_and_are_named_consistently`) imports every
entry and checks the names: collectors are `<channel>_receive`, parsers
`parse_<what>`, experts contain their key in their name, and feed importers
are `<Format>Importer` classes whose `format_name` is their key.
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

# channel -> the function every unit arriving over it goes through first.
COLLECTORS: dict[str, str] = {
    "email": "renkei.intake.collectors.mail.email_receive",
    "web": "renkei.intake.collectors.web.web_receive",
    "api": "renkei.intake.collectors.api.api_receive",
}

# what is parsed -> the parser.
PARSERS: dict[str, str] = {
    "line": "renkei.intake.exchange.parse_line",  # a line of the exchange format
    "mail": "renkei.intake.parsers.mail.parse_mail",
    "event": "renkei.intake.feeds.intelmq.parse_event",
}

# what it does -> the expert, in the order a report meets them.
EXPERTS: dict[str, str] = {
    "unwrap": "renkei.intake.parsers.pgp.pgp_unwrap",
    "normalize": "renkei.intake.experts.normalize_fields",
    "suggest": "renkei.intake.suggest.suggest",
    "classify": "renkei.intake.experts.classify",
    "key": "renkei.intake.experts.compute_key",
}
