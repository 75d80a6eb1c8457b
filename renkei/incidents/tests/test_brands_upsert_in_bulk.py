"""Catalog brands from a bulk file: created, updated or left alone, in file order."""

from __future__ import annotations

import pytest

from renkei.incidents.brands import BrandSpec, brands_upsert
from renkei.incidents.models import Brand, BrandAlias

pytestmark = pytest.mark.django_db


def _changed(specs: list[BrandSpec]) -> list[bool]:
    return [changed for _, changed in brands_upsert(specs)]


def test_new_brands_and_aliases_are_created_and_counted_as_changes() -> None:
    changed = _changed([
        BrandSpec("三井住友銀行", "JP", "finance", ("SMBC",)),
        BrandSpec("Amazon", "US", "ecommerce"),
    ])  # fmt: skip

    assert changed == [True, True]
    assert Brand.objects.get(name="三井住友銀行").country == "JP"
    assert BrandAlias.objects.get(alias_key="smbc").brand.name == "三井住友銀行"


def test_importing_the_same_brands_again_changes_nothing() -> None:
    specs = [BrandSpec("Amazon", "US", "ecommerce", ("アマゾン",)), BrandSpec("Apple", "US", "it")]
    brands_upsert(specs)

    assert _changed(specs) == [False, False]
    assert (Brand.objects.count(), BrandAlias.objects.count()) == (2, 1)


def test_a_later_line_for_the_same_brand_updates_it_as_a_second_brand_upsert_would() -> None:
    changed = _changed([
        BrandSpec("Amazon", "US", "ecommerce"),
        BrandSpec("ＡＭＡＺＯＮ", "JP", "ecommerce"),  # the same key after NFKC and casefold
        BrandSpec("amazon", "JP", "ecommerce"),
    ])  # fmt: skip

    assert changed == [True, True, False]
    brand = Brand.objects.get()
    assert (brand.name, brand.country) == ("Amazon", "JP")


def test_an_alias_another_brand_already_has_is_left_with_it() -> None:
    brands_upsert([BrandSpec("NTT docomo", "JP", "telecom", ("docomo",))])

    changed = _changed([BrandSpec("docomo Bank", "JP", "finance", ("DOCOMO",))])

    assert changed == [True]  # the brand is new; its alias was taken
    assert BrandAlias.objects.get(alias_key="docomo").brand.name == "NTT docomo"
