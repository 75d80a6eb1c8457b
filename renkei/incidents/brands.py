"""The brand catalog: matching brand names and aliases as EXCHANGE-FORMAT.md says."""

from __future__ import annotations

import unicodedata

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
            brand_id = brand_get_or_create(name=name.strip()).id
            self._ids[key] = brand_id
        return brand_id

    def remember(self, brand: Brand, aliases: list[str]) -> None:
        self._by_name.clear()
        self._ids[brand.name_key] = brand.id
        for alias in aliases:
            self._ids.setdefault(brand_key(alias), brand.id)


def brand_get_or_create(*, name: str) -> Brand:
    key = brand_key(name)
    alias = BrandAlias.objects.filter(alias_key=key).select_related("brand").first()
    if alias is not None:
        return alias.brand
    brand, _ = Brand.objects.get_or_create(name_key=key, defaults={"name": name})
    return brand


@transaction.atomic
def brand_upsert(
    *, name: str, country: str, industry: str, aliases: list[str]
) -> tuple[Brand, bool]:
    """Create or update a catalog brand; returns (brand, changed)."""
    key = brand_key(name)
    brand = Brand.objects.filter(name_key=key).first()
    changed = brand is None
    if brand is None:
        brand = Brand.objects.create(name=name, name_key=key, country=country, industry=industry)
    elif (brand.country, brand.industry) != (country, industry):
        brand.country, brand.industry = country, industry
        brand.save(update_fields=["country", "industry"])
        changed = True
    for alias in aliases:
        _, created = BrandAlias.objects.get_or_create(
            alias_key=brand_key(alias), defaults={"brand": brand, "alias": alias}
        )
        changed = changed or created
    return brand, changed
