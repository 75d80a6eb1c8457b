from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renkei.accounts.models import STAFF_ROLES, User
from renkei.incidents.labels import CATEGORY_LABELS, REASON_LABELS, STATUS_LABELS
from renkei.incidents.models import Brand, Incident, IncidentStatus
from renkei.incidents.selectors import QueueFilters, month_span
from renkei.lib.marks import reveal_marks

CATEGORY_FIELD_CHOICES = list(CATEGORY_LABELS.items())


class BrandChoiceField(forms.ModelChoiceField):
    """Brands by name, with direction marks shown: an option reads as its name does."""

    def label_from_instance(self, obj: Brand) -> str:
        return reveal_marks(obj.name)


class QueueFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("URL, host, IP address, e-mail or I-…")}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("all categories")), *CATEGORY_FIELD_CHOICES],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("to handle (open, notified)")),
            ("all", _("all statuses")),
            *STATUS_LABELS.items(),
        ],
    )
    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    brand = BrandChoiceField(
        label=_("Brand"),
        required=False,
        queryset=Brand.objects.order_by("name"),
        empty_label=_("all brands"),
    )
    country = forms.CharField(
        label=_("Country notified"),
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"size": 3, "placeholder": "JP"}),
    )
    has_notification = forms.ChoiceField(
        label=_("Notification"),
        required=False,
        choices=[("", _("any")), ("yes", _("notified")), ("no", _("not notified"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    reported_again = forms.BooleanField(label=_("Reported again after resolution"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("oldest", _("oldest first")), ("newest", _("newest first"))],
    )

    def clean_month(self) -> str:
        month: str = self.cleaned_data["month"]
        if month and month_span(month) is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid")
        return month

    def filters(self) -> QueueFilters:
        # Only the valid fields are in cleaned_data: a bad one is dropped and named
        # on the page (form.errors), the others still apply.
        data: dict[str, Any] = {}
        if self.is_bound:
            self.full_clean()
            data = self.cleaned_data
        brand = data.get("brand")
        return QueueFilters(
            category=data.get("category", ""),
            status=data.get("status", ""),
            month=data.get("month", ""),
            brand=brand.pk if brand else None,
            country=data.get("country", ""),
            has_notification=data.get("has_notification", ""),
            overdue=bool(data.get("overdue")),
            reported_again=bool(data.get("reported_again")),
            q=data.get("q", ""),
            order=data.get("order") or "oldest",
        )


def staff_users() -> Any:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username")


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("classify", _("Classify as")),
        ("no_notification", _("No notification needed, because")),
        ("assign", _("Assign to")),
    ]
    incidents = forms.ModelMultipleChoiceField(
        queryset=Incident.objects.all(), to_field_name="ref", widget=forms.MultipleHiddenInput
    )
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=CATEGORY_FIELD_CHOICES
    )
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=list(REASON_LABELS.items())
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=staff_users(), empty_label=_("nobody")
    )


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=CATEGORY_FIELD_CHOICES)


class MergeForm(forms.Form):
    refs = forms.CharField(
        label=_("Incidents to merge into this one"),
        help_text=_("Incident references (I-…), separated by spaces or commas."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_refs(self) -> list[Incident]:
        refs = {
            r.strip().upper()
            for r in self.cleaned_data["refs"].replace(",", " ").split()
            if r.strip()
        }
        found = list(Incident.objects.filter(ref__in=refs).exclude(status=IncidentStatus.MERGED))
        missing = refs - {i.ref for i in found}
        if missing:
            raise forms.ValidationError(
                _("Unknown or already merged: %(refs)s")
                % {"refs": reveal_marks(", ".join(sorted(missing)))}
            )
        return found


class SplitForm(forms.Form):
    reports = forms.MultipleChoiceField(
        label=_("Reports to move to a new incident"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, report_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reports"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = report_choices


class ManualReportForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[("fax", _("FAX")), ("phone", pgettext_lazy("channel", "telephone"))],
    )
    received_at = forms.DateTimeField(
        label=_("Received at"),
        initial=timezone.now,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reporter = forms.CharField(label=_("Reporter"), required=False, max_length=200)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("let renkei classify")), *CATEGORY_FIELD_CHOICES],
    )
    url = forms.CharField(label=_("URL"), required=False, max_length=8000)
    ip = forms.CharField(label=_("IP address"), required=False, max_length=100)
    ports = forms.CharField(
        label=_("Ports"), required=False, max_length=500, help_text=_("For scans: 22/tcp 23/tcp")
    )
    brand = forms.CharField(label=_("Brand"), required=False, max_length=200)
    text = forms.CharField(
        label=_("What the reporter said"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    scan = forms.FileField(label=_("Scanned FAX page"), required=False)


class NoNotificationForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=list(REASON_LABELS.items()))
