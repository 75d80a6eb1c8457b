"""Forms of the intake channels: the public report form and the staff .eml upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from renkei.incidents.brands import BrandCatalog
from renkei.incidents.models import Brand
from renkei.intake.definitions import DEFINITIONS
from renkei.lib.errors import NormalizationError
from renkei.lib.normalize import CATEGORIES, SITE_CATEGORIES, canonical_ip, normalize_url

MAX_DESCRIPTION = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _category_choices() -> list[tuple[str, str]]:
    return [(c, f"{DEFINITIONS[c]['ja'].label} / {DEFINITIONS[c]['en'].label}") for c in CATEGORIES]


class ReportForm(forms.Form):
    """The public form: no account; everything typed here is hostile until proven not."""

    category = forms.ChoiceField(
        label=_("What are you reporting?"), choices=_category_choices, widget=forms.RadioSelect
    )
    url = forms.CharField(
        label=_("URL"), max_length=4000, required=False,
        help_text=_("The address of the site. Defanged forms (hxxp, [.]) are fine."),
    )  # fmt: skip
    ip = forms.CharField(
        label=_("IP address"), max_length=100, required=False,
        help_text=_("The source of a scan, or the target of a DoS attack."),
    )  # fmt: skip
    description = forms.CharField(
        label=_("What happened"), max_length=MAX_DESCRIPTION, widget=forms.Textarea,
        help_text=_("When you saw it, what you saw, log excerpts."),
    )  # fmt: skip
    attachments = MultipleFileField(
        label=_("Attachments (optional)"), required=False,
        help_text=_("Screenshots, logs, the suspicious e-mail (.eml)."),
    )  # fmt: skip
    contact_email = forms.EmailField(
        label=_("Your e-mail address (optional)"), required=False,
        help_text=_("Only to ask you questions about this report."),
    )  # fmt: skip
    contact_requested = forms.BooleanField(
        label=_("Please contact the party concerned (site owner, provider) about this"),
        required=False,
    )
    # The honeypot: hidden from people, irresistible to form-filling bots.
    website = forms.CharField(label=_("Leave this empty"), required=False)

    def clean_url(self) -> str:
        value: str = self.cleaned_data["url"].strip()
        if value:
            try:
                normalize_url(value)
            except NormalizationError:
                raise forms.ValidationError(_("This is not a URL we can read.")) from None
        return value

    def clean_ip(self) -> str:
        value: str = self.cleaned_data["ip"].strip()
        if value:
            try:
                canonical_ip(value)
            except NormalizationError:
                raise forms.ValidationError(_("This is not an IP address.")) from None
        return value

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["attachments"]
        if len(files) > settings.RENKEI_SUBMIT_MAX_FILES:
            raise forms.ValidationError(
                _("At most %(n)d files.") % {"n": settings.RENKEI_SUBMIT_MAX_FILES}
            )
        limit = settings.RENKEI_SUBMIT_MAX_FILE_BYTES
        for item in files:
            if (item.size or 0) > limit:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(mb).1f MB.")
                    % {"name": item.name, "mb": limit / 1024 / 1024}
                )
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category, url, ip = data.get("category"), data.get("url"), data.get("ip")
        if category in SITE_CATEGORIES and not url and "url" not in self.errors:
            self.add_error("url", _("Please give the site's URL."))
        if category == "scan" and not ip and "ip" not in self.errors:
            self.add_error("ip", _("Please give the address the scan came from."))
        if category == "dos" and not (ip or url) and not self.errors.keys() & {"ip", "url"}:
            self.add_error("ip", _("Please give the address or URL under attack."))
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class EmlUploadForm(forms.Form):
    # An empty file is one failed message among the others, not a refused upload.
    emls = MultipleFileField(label=_("E-mail files (.eml)"), allow_empty_file=True)

    def clean_emls(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["emls"]
        if not files:
            raise forms.ValidationError(_("Choose at least one file."))
        for item in files:
            if (item.size or 0) > settings.RENKEI_MAIL_MAX_BYTES:
                raise forms.ValidationError(_("%(name)s is too large.") % {"name": item.name})
        return files


class ClassifyForm(forms.Form):
    """The analyst's decision on a report: category and (for phishing) brand.

    The brand by id (`brand`), or as typed in the console (`brand_name`): a
    catalog name or alias, matched as the catalog matches names.
    """

    category = forms.ChoiceField(label=_("Category"), choices=[(c, c) for c in CATEGORIES])
    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=Brand.objects.order_by("name"), required=False
    )
    brand_name = forms.CharField(label=_("Brand"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name = (cleaned.get("brand_name") or "").strip()
        if name and cleaned.get("brand") is None:
            brand_id = BrandCatalog(create_unknown=False).resolve(name)
            if brand_id is None:
                raise forms.ValidationError(_("No brand %(name)s in the catalog.") % {"name": name})
            cleaned["brand"] = Brand.objects.get(pk=brand_id)
        return cleaned
