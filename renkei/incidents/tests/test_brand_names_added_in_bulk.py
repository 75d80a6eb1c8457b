"""Brand names a feed mentions are added to the catalog a batch at a time.

The result must be what resolving them one at a time gives: aliases and
known names matched, new names created once each, in order of first mention.
"""

from __future__ import annotations

import pytest

from renkei.incidents.brands import BrandCatalog, BrandSpec, brands_upsert
from renkei.incidents.models import Brand

pytestmark = pytest.mark.django_db
NAMES = ["ＡＭＡＺＯＮ", "新ブランド", "SMBC", " Neu ", "新ブランド", "neu", "", "Apple"]


def _catalog_with_known_brands() -> None:
    brands_upsert([
        BrandSpec("Amazon", "US", "ecommerce"),
        BrandSpec("三井住友銀行", "JP", "finance", ("SMBC",)),
    ])  # fmt: skip


def _names(ids: list[int | None]) -> list[str | None]:
    names = dict(Brand.objects.values_list("id", "name"))
    return [names[i] if i else None for i in ids]


def _resolved_one_at_a_time() -> tuple[list[str | None], list[str]]:
    catalog = BrandCatalog()
    names = _names([catalog.resolve(name) for name in NAMES])
    return names, list(Brand.objects.order_by("id").values_list("name", flat=True))


def test_adding_a_batch_of_names_matches_resolving_them_one_at_a_time() -> None:
    _catalog_with_known_brands()
    expected_names, expected_brands = _resolved_one_at_a_time()
    Brand.objects.filter(name__in=["新ブランド", "Neu", "Apple"]).delete()

    catalog = BrandCatalog()
    catalog.add_unknown(NAMES)
    added = list(Brand.objects.order_by("id").values_list("name", flat=True))
    ids = [catalog.resolve(name) for name in NAMES]

    assert _names(ids) == expected_names == [
        "Amazon", "新ブランド", "三井住友銀行", "Neu", "新ブランド", "Neu", None, "Apple",
    ]  # fmt: skip
    assert added == expected_brands  # created by add_unknown, not by resolve afterwards
    assert list(Brand.objects.order_by("id").values_list("name", flat=True)) == expected_brands


def test_a_brand_another_writer_added_meanwhile_is_taken_not_duplicated() -> None:
    catalog = BrandCatalog()  # loaded before the other writer's brand exists
    other = Brand.objects.create(name="Other Writer", name_key="other writer")

    catalog.add_unknown(["OTHER WRITER", "Brand New"])

    assert catalog.resolve("OTHER WRITER") == other.pk
    assert Brand.objects.filter(name_key="other writer").count() == 1
    assert Brand.objects.get(name="Brand New").pk == catalog.resolve("brand new")


def test_untrusted_sources_add_nothing() -> None:
    catalog = BrandCatalog(create_unknown=False)

    catalog.add_unknown(["Never Created"])

    assert catalog.resolve("Never Created") is None
    assert not Brand.objects.exists()
