from __future__ import annotations

from django.contrib import admin

from renkei.incidents.models import Brand, BrandAlias


class BrandAliasInline(admin.TabularInline):
    model = BrandAlias
    extra = 0
    fields = ("alias", "alias_key")


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "industry")
    search_fields = ("name",)
    inlines = [BrandAliasInline]
