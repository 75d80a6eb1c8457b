"""The brand catalog is edited in the admin site: renkei computes the lookup keys (an
administrator typed them before, and a wrong one broke brand matching), refuses a name
another brand answers to (a 500 before), and audits every change, since a brand's
country decides whether its phishing counts as domestic or overseas."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renkei.accounts.models import AuditEvent, User
from renkei.incidents.models import Brand, BrandAlias
from renkei.incidents.tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _posted(name: str, country: str, aliases: list[str], **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name, "country": country, "industry": "finance",
        "aliases-TOTAL_FORMS": str(len(aliases)), "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0", "aliases-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for n, alias in enumerate(aliases):
        data[f"aliases-{n}-alias"] = alias
    return data | more


def _add(client: Client, name: str, country: str, aliases: list[str]) -> Any:
    return client.post(reverse("admin:incidents_brand_add"), _posted(name, country, aliases))


def test_a_brand_added_in_the_admin_gets_its_keys_and_an_audit_record(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["admin"])

    response = _add(client, "Ｍｉｔｓｕｉ Bank", "jp", ["三井銀行"])

    assert response.status_code == 302
    brand = Brand.objects.get(name="Ｍｉｔｓｕｉ Bank")
    assert (brand.name_key, brand.country) == ("mitsui bank", "JP")
    assert list(BrandAlias.objects.values_list("alias", "alias_key")) == [("三井銀行", "三井銀行")]
    event = AuditEvent.objects.get(action="brand.create")
    assert event.actor == personas["admin"] and event.after["aliases"] == ["三井銀行"]


def test_a_country_changed_in_the_admin_is_audited_before_and_after(
    personas: dict[str, User],
) -> None:
    client = signed_in(personas["admin"])
    _add(client, "Example Pay", "US", [])
    brand = Brand.objects.get(name="Example Pay")

    response = client.post(
        reverse("admin:incidents_brand_change", args=[brand.pk]), _posted("Example Pay", "JP", [])
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="brand.update")
    assert (event.before["country"], event.after["country"]) == ("US", "JP")


@pytest.mark.parametrize(
    ("name", "aliases"),
    [("EXAMPLE pay", []), ("Other", ["example PAY"]), ("Other", ["x", "X"])],
)
def test_a_name_another_brand_answers_to_is_refused_on_the_form(
    personas: dict[str, User], name: str, aliases: list[str]
) -> None:
    client = signed_in(personas["admin"])
    _add(client, "Example Pay", "US", [])

    response = _add(client, name, "US", aliases)

    assert response.status_code == 200  # the form again, with the reason
    assert Brand.objects.count() == 1
    assert not AuditEvent.objects.filter(action="brand.create", after__name=name).exists()
