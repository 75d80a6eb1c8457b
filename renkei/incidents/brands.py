"""The brand catalog: matching brand names and aliases as EXCHANGE-FORMAT.md says."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from renkei.incidents.models import Brand, BrandAlias


def brand_key(name: str) -> str:
    """Names match case-insensitively after Unicode NFKC normalization."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


class BrandCatalog:
    """An in-memory map of name/alias keys to brand ids, for bulk work.

    Loaded once per import (a few thousand rows at most). Unknown names
    from trusted sources (bulk files, feeds, staff) are added to the catalog
    with no country, so the analyst sees them; from untrusted ones (the API,
    the public form) they stay on the report only, as `brand_as_received`.
    """

    def __init__(self, *, create_unknown: bool = True) -> None:
        self.create_unknown = create_unknown
        self._ids: dict[str, int] = {}
        # Names as written, resolved: a feed repeats a few hundred names
        # hundreds of thousands of times, and NFKC is the cost of a lookup.
        self._by_name: dict[str, int] = {}
        for brand_id, key in Brand.objects.values_list("id", "name_key"):
            self._ids[key] = brand_id
        for brand_id, key in BrandAlias.objects.values_list("brand_id", "alias_key"):
            self._ids.setdefault(key, brand_id)

    def resolve(self, name: str) -> int | None:
        brand_id = self._by_name.get(name)
        if brand_id is None:
            brand_id = self._resolve_key(name)
            if brand_id is not None:
                self._by_name[name] = brand_id
        return brand_id

    def _resolve_key(self, name: str) -> int | None:
        if not name.strip():
            return None
        key = brand_key(name)
        brand_id = self._ids.get(key)
        if brand_id is None:
            if not self.create_unknown:
                return None
            brand_id = brands_get_or_create({key: name.strip()})[key]
            self._ids[key] = brand_id
        return brand_id

    def add_unknown(self, names: Iterable[str]) -> None:
        """Add the names no brand or alias matches to the catalog, together.

        The same brands as `resolve` one name at a time would create, in
        order of first mention, with three statements in all instead of four
        and a savepoint per name (the phishing URL list names 795 brands: 4 %
        of its import).
        """
        if not self.create_unknown:
            return
        unknown: dict[str, str] = {}
        for name in names:
            if name not in self._by_name and name.strip():
                key = brand_key(name)
                if key not in self._ids:
                    unknown.setdefault(key, name.strip())
        if unknown:
            self._ids.update(brands_get_or_create(unknown))

    def remember(self, brand: Brand, aliases: list[str]) -> None:
        self._by_name.clear()
        self._ids[brand.name_key] = brand.id
        for alias in aliases:
            self._ids.setdefault(brand_key(alias), brand.id)


def brands_get_or_create(names: dict[str, str]) -> dict[str, int]:
    """Brand ids of names by key (`brand_key` -> name as written), creating the missing.

    An alias wins over a brand's own name; a brand that another writer
    created meanwhile is taken, not duplicated.
    """
    ids = dict(
        BrandAlias.objects.filter(alias_key__in=list(names)).values_list("alias_key", "brand_id")
    )
    missing = [key for key in names if key not in ids]
    if missing:
        Brand.objects.bulk_create(
            [Brand(name=names[key], name_key=key) for key in missing], ignore_conflicts=True
        )
        ids.update(Brand.objects.filter(name_key__in=missing).values_list("name_key", "id"))
    return ids


@dataclass(frozen=True, slots=True)
class BrandSpec:
    """A catalog entry as a bulk file or an analyst gives it."""

    name: str
    country: str
    industry: str
    aliases: tuple[str, ...] = ()


@transaction.atomic
def brands_upsert(specs: Sequence[BrandSpec]) -> list[tuple[Brand, bool]]:
    """Create or update catalog brands, in order; for each, the brand and whether it changed.

    The same as one `brand_upsert` after another, with two lookups in all
    instead of a lookup and a savepoint per brand and alias (a bulk file
    carries hundreds of brands, nearly all unchanged when imported again).
    """
    brands = {
        b.name_key: b for b in Brand.objects.filter(name_key__in=_keys(s.name for s in specs))
    }
    aliases = set(
        BrandAlias.objects.filter(
            alias_key__in=_keys(a for s in specs for a in s.aliases)
        ).values_list("alias_key", flat=True)
    )
    return [_upsert(spec, brands, aliases) for spec in specs]


def brand_upsert(
    *, name: str, country: str, industry: str, aliases: list[str]
) -> tuple[Brand, bool]:
    """Create or update one catalog brand; returns (brand, changed)."""
    return brands_upsert([BrandSpec(name, country, industry, tuple(aliases))])[0]


def _keys(names: Iterable[str]) -> list[str]:
    return sorted({brand_key(name) for name in names})


def _upsert(spec: BrandSpec, brands: dict[str, Brand], aliases: set[str]) -> tuple[Brand, bool]:
    key = brand_key(spec.name)
    brand = brands.get(key)
    changed = brand is None
    if brand is None:
        brand = Brand.objects.create(
            name=spec.name, name_key=key, country=spec.country, industry=spec.industry
        )
        brands[key] = brand
    elif (brand.country, brand.industry) != (spec.country, spec.industry):
        brand.country, brand.industry = spec.country, spec.industry
        brand.save(update_fields=["country", "industry"])
        changed = True
    for alias in spec.aliases:
        alias_key = brand_key(alias)
        if alias_key not in aliases:
            BrandAlias.objects.create(brand=brand, alias=alias, alias_key=alias_key)
            aliases.add(alias_key)
            changed = True
    return brand, changed
