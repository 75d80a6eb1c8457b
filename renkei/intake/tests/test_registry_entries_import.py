"""Every entry of the intake registry imports and is named consistently (STYLE.md)."""

from __future__ import annotations

from renkei.intake.importer import ExchangeImporter
from renkei.intake.registry import FEED_IMPORTERS


def test_every_feed_importer_is_an_importer_named_after_its_format() -> None:
    assert FEED_IMPORTERS, "no feed importers registered"
    for name, importer in FEED_IMPORTERS.items():
        assert issubclass(importer, ExchangeImporter), name
        assert getattr(importer, "format_name", name) == name
        assert importer.__name__.lower().startswith(name.replace("_", "").lower()), name
