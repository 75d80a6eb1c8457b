from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from renkei.coordination.directory import FIELDS as CONTACT_FIELDS
from renkei.coordination.models import LANGUAGE_CHOICES, Contact, SlaTarget
from renkei.coordination.sla import MAX_TARGET_DAYS
from renkei.incidents.labels import BASIS_LABELS, CATEGORY_LABELS, CONTACT_ROLE_LABELS
from renkei.lib.marks import reveal_marks


class ContactChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Contacts as "organisation <address>", direction marks shown (a reversed address misleads)."""

    def label_from_instance(self, obj: Contact) -> str:  # type: ignore[override]
        return reveal_marks(str(obj))


class CountryField(forms.CharField):
    """An ISO 3166-1 alpha-2 code, upper case: the quarterly report counts a notification
    as domestic when it equals the home country, so "日本" or "J" would count as overseas."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=2, **kwargs)

    def clean(self, value: Any) -> str:
        code = str(super().clean(value)).upper()
        if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise forms.ValidationError(
                _("A country is two letters (ISO 3166-1), such as JP or US."), code="country"
            )
        return code


class NotificationForm(forms.Form):
    contact = ContactChoiceField(
        label=_("Contact"),
        required=False,
        queryset=Contact.objects.filter(active=True).order_by("organisation", "email"),
        empty_label=_("(not in the directory)"),
        error_messages={
            "invalid_choice": _(
                "This contact is no longer active in the directory: choose another one "
                "or type the address."
            )
        },
    )
    recipient = forms.EmailField(label=_("Recipient e-mail address"), required=False)
    recipient_country = CountryField(label=_("Recipient country"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    basis = forms.ChoiceField(
        label=_("Basis"), required=False, choices=[("", "—"), *BASIS_LABELS.items()]
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 18}))
    # What the template gave for subject and message, to tell an edited text from it.
    template_digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "contact" in self.errors:
            return data  # a contact was chosen: "choose a contact" would mislead
        contact = data.get("contact")
        if not data.get("recipient") and contact is None:
            raise forms.ValidationError(_("Choose a contact or type an e-mail address."))
        country = data.get("recipient_country") or (contact.country if contact else "")
        if "recipient_country" in data and not country:
            # Without one the statistics would count the notification as overseas.
            self.add_error(
                "recipient_country",
                _(
                    "Give the recipient's country: the statistics count domestic and "
                    "overseas notifications by it."
                ),
            )
        return data


class ContactForm(forms.ModelForm):
    # Declared here: a model field's English choices would replace a widget's labels.
    role = forms.ChoiceField(label=_("Role"), choices=list(CONTACT_ROLE_LABELS.items()))
    country = CountryField(label=_("Country"), required=False)

    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        labels = {
            "organisation": _("Organisation"),
            "email": _("E-mail address"),
            "country": _("Country"),
            "language": _("Language"),
            "pgp_public_key": _("OpenPGP public key (optional)"),
            "notes": _("Notes"),
            "active": _("Active"),
        }
        widgets = {
            "pgp_public_key": forms.Textarea(attrs={"rows": 6, "class": "mono"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def validate_unique(self) -> None:
        """Left to `contact_save`, which compares addresses in any case and names the
        address in the reader's language; Django's check said 'この Email を持った
        Contact が既に存在します' (model and field names in English) for the same duplicate."""


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 22, "class": "mono"})
    )


class ResolutionForm(forms.Form):
    resolved_at = forms.DateTimeField(
        label=_("Resolved at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


KIND_LABELS = {
    "first": _("First notification (business days)"),
    "resolution": _("Resolution (business days)"),
}


class SlaTargetsForm(forms.Form):
    """Two figures per category: business days to the first notification and to resolution."""

    def __init__(self, *args: Any, targets: dict[str, SlaTarget], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in CATEGORY_LABELS.items():
            target = targets.get(category)
            for kind, initial in (
                ("first", target.first_notification_days if target else None),
                ("resolution", target.resolution_days if target else None),
            ):
                text = f"{label}: {KIND_LABELS[kind]}"
                self.fields[f"{category}_{kind}"] = forms.IntegerField(
                    label=text, min_value=0, max_value=MAX_TARGET_DAYS, initial=initial,
                    widget=forms.NumberInput(attrs={"aria-label": text}),
                    show_hidden_initial=True,  # what the page showed, for changed_data
                )  # fmt: skip

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (category, self[f"{category}_first"], self[f"{category}_resolution"])
            for category in CATEGORY_LABELS
        ]

    def targets(self) -> dict[str, tuple[int, int]]:
        """The categories whose figures the form changed: another administrator's
        save of the others since this form was opened is left as it is."""
        data, changed = self.cleaned_data, set(self.changed_data)
        return {
            c: (data[f"{c}_first"], data[f"{c}_resolution"])
            for c in CATEGORY_LABELS
            if {f"{c}_first", f"{c}_resolution"} & changed
        }
