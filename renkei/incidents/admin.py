"""The brand catalog in the admin site: keys kept by renkei, every change audited.

Brands have no console page; their names, aliases, country and industry decide
how phishing is counted (domestic or overseas, by industry), so what an
administrator changes here goes to the audit log like any other change.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renkei.accounts.audit import audit_log
from renkei.accounts.models import User
from renkei.coordination.forms import CountryField
from renkei.incidents.brands import brand_key
from renkei.incidents.models import Brand, BrandAlias


def _taken(key: str, *, brand: Brand | None, alias: BrandAlias | None) -> bool:
    """Whether another brand already answers to `key` (by its name or an alias)."""
    other_brands = Brand.objects.filter(name_key=key)
    other_aliases = BrandAlias.objects.filter(alias_key=key)
    if brand is not None and brand.pk is not None:
        other_brands = other_brands.exclude(pk=brand.pk)
        other_aliases = other_aliases.exclude(brand_id=brand.pk)
    if alias is not None and alias.pk is not None:
        other_aliases = other_aliases.exclude(pk=alias.pk)
    return other_brands.exists() or other_aliases.exists()


class BrandForm(forms.ModelForm):  # type: ignore[type-arg]
    country = CountryField(label=gettext_lazy("Country"), required=False)

    class Meta:
        model = Brand
        fields = ("name", "country", "industry")

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if _taken(brand_key(name), brand=self.instance if self.instance.pk else None, alias=None):
            raise forms.ValidationError(_("Another brand already has this name or alias."))
        self.instance.name_key = brand_key(name)
        return name


class BrandAliasForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = BrandAlias
        fields = ("alias",)

    def clean_alias(self) -> str:
        alias = str(self.cleaned_data["alias"]).strip()
        brand = self.instance.brand if self.instance.brand_id else None
        if _taken(brand_key(alias), brand=brand, alias=self.instance):
            raise forms.ValidationError(_("Another brand already has this name or alias."))
        self.instance.alias_key = brand_key(alias)
        return alias


class BrandAliasFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        keys = [
            brand_key(form.cleaned_data["alias"])
            for form in self.forms
            if form.cleaned_data.get("alias") and not form.cleaned_data.get("DELETE")
        ]
        if len(keys) != len(set(keys)):  # the database would refuse the second: a 500
            raise forms.ValidationError(_("The same alias is given twice."))


class BrandAliasInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BrandAlias
    form = BrandAliasForm
    formset = BrandAliasFormSet
    extra = 0


def _snapshot(brand: Brand) -> dict[str, Any]:
    return {
        "name": brand.name,
        "country": brand.country,
        "industry": brand.industry,
        "aliases": sorted(brand.aliases.values_list("alias", flat=True)) if brand.pk else [],
    }


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "country", "industry")
    search_fields = ("name",)
    form = BrandForm
    inlines = [BrandAliasInline]

    def save_model(self, request: HttpRequest, obj: Brand, form: Any, change: bool) -> None:
        stored = Brand.objects.filter(pk=obj.pk).first() if change else None
        request._renkei_brand_before = _snapshot(stored) if stored else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # the aliases, then the record
        before = getattr(request, "_renkei_brand_before", None)
        after = _snapshot(form.instance)
        if before != after:
            action = "brand.update" if change else "brand.create"
            actor: User = request.user  # type: ignore[assignment]
            audit_log(actor=actor, action=action, obj=form.instance, before=before, after=after)

    def delete_model(self, request: HttpRequest, obj: Brand) -> None:
        actor: User = request.user  # type: ignore[assignment]
        audit_log(actor=actor, action="brand.delete", obj=obj, before=_snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        actor: User = request.user  # type: ignore[assignment]
        for brand in queryset:
            audit_log(actor=actor, action="brand.delete", obj=brand, before=_snapshot(brand))
        super().delete_queryset(request, queryset)
