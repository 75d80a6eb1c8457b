from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest

from renkei.intake.importer import ExchangeImporter
from renkei.intake.registry import COLLECTORS, EXPERTS, FEED_IMPORTERS, PARSERS


def _load(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


@pytest.mark.parametrize(("channel", "path"), COLLECTORS.items())
def test_every_collector_imports_and_is_named_after_its_channel(channel: str, path: str) -> None:
    assert _load(path).__name__ == f"{channel}_receive"


@pytest.mark.parametrize(("what", "path"), PARSERS.items())
def test_every_parser_imports_and_is_named_parse_something(what: str, path: str) -> None:
    assert _load(path).__name__ == f"parse_{what}"


@pytest.mark.parametrize(("does", "path"), EXPERTS.items())
def test_every_expert_imports_and_names_what_it_does(does: str, path: str) -> None:
    assert does in _load(path).__name__


@pytest.mark.parametrize(("name", "importer"), FEED_IMPORTERS.items())
def test_every_feed_importer_is_an_exchange_importer_named_after_its_format(
    name: str, importer: type[ExchangeImporter]
) -> None:
    assert issubclass(importer, ExchangeImporter)
    assert importer.__name__ == f"{name.capitalize()}Importer"
    assert importer.format_name == name  # type: ignore[attr-defined]
    assert importer.channel == "feed"
