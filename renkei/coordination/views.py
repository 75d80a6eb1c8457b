"""Console pages for coordination: notify, re-notify, decide, resolve, contacts, templates, SLA."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei.accounts.access import StaffRequest, admin_required, get_for_user_or_404, staff_required
from renkei.coordination.decisions import incident_decide_no_notification, incident_resolve
from renkei.coordination.directory import contact_save
from renkei.coordination.forms import (
    ContactForm,
    NotificationForm,
    ResolutionForm,
    SlaTargetsForm,
    TemplateForm,
)
from renkei.coordination.models import Contact, Notification, NotificationTemplate, SlaTarget
from renkei.coordination.notifications import (
    notification_queue,
    notification_renotify,
    notification_template_update,
    render_notification,
    template_preview,
)
from renkei.coordination.sla import sla_targets_update
from renkei.incidents.forms import NoNotificationForm
from renkei.incidents.models import Incident
from renkei.incidents.views import incident_or_404, redirect_to_incident
from renkei.lib.errors import ValidationError


@dataclass(frozen=True)
class Draft:
    initial: dict[str, object]
    template_error: str = ""  # why the stored template did not render
    kept_edits: bool = False  # the subject and message were edited, so they stayed


def _digest(subject: str, body: str) -> str:
    # Browsers send a textarea's lines with CRLF; the template renders LF.
    text = f"{subject}\n\0{body}".replace("\r\n", "\n")
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _draft(incident: Incident, user_language: str, typed: QueryDict) -> Draft:
    """Form values for the page as opened (?contact=, ?language=) or after its contact or
    language changed (`changed`): choosing a contact brings its language, address and
    country; otherwise what was typed stays."""
    contact_id = typed.get("contact", "")
    # isascii too: isdigit() takes "²", which is no id (a crafted link gave a 500).
    is_id = contact_id.isascii() and contact_id.isdigit() and len(contact_id) <= 18
    contact = Contact.objects.filter(pk=contact_id).first() if is_id else None
    chosen = contact is not None and typed.get("changed") == "contact"

    def from_contact(name: str, value: str) -> str:
        return (
            value
            if contact is not None and (chosen or not typed.get(name))
            else typed.get(name, "")
        )

    language = from_contact("language", contact.language if contact else "")
    if language not in ("ja", "en"):
        language = user_language if user_language in ("ja", "en") else "ja"
    initial: dict[str, object] = {
        "contact": contact,
        "language": language,
        "recipient": from_contact("recipient", contact.email if contact else ""),
        "recipient_country": from_contact("recipient_country", contact.country if contact else ""),
        "basis": typed.get("basis", ""),
    }
    return _with_text(initial, typed, incident=incident, contact=contact, language=language)


def _with_text(
    initial: dict[str, object],
    typed: QueryDict,
    *,
    incident: Incident,
    contact: Contact | None,
    language: str,
) -> Draft:
    """The subject and message follow the template while they are still its text (or
    empty), and are kept once the user edited them."""
    subject, body, digest = (typed.get(k, "") for k in ("subject", "body", "template_digest"))
    if (subject.strip() or body.strip()) and _digest(subject, body) != digest:
        edited = {"subject": subject, "body": body, "template_digest": digest}
        return Draft(initial | edited, kept_edits=True)
    try:
        subject, body = render_notification(incident=incident, language=language, contact=contact)
    except ValidationError as exc:
        return Draft(initial, template_error=exc.message)
    rendered = {"subject": subject, "body": body, "template_digest": _digest(subject, body)}
    return Draft(initial | rendered)


@staff_required
def notify(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    draft = _draft(incident, request.user.language, request.GET)
    form = NotificationForm(request.POST or None, initial=draft.initial)
    if form.is_valid():
        data = form.cleaned_data
        contact = data["contact"]
        try:
            notification_queue(
                actor=request.user,
                incident=incident,
                contact=contact,
                recipient=data["recipient"] or contact.email,
                recipient_country=data["recipient_country"],
                language=data["language"],
                basis=data["basis"],
                subject=data["subject"],
                body=data["body"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The notification was queued for sending."))
            return redirect_to_incident(incident)
    # Mail is signed only when the center's key is configured (lib/mail.py).
    signed = bool(settings.RENKEI_GPG_KEY_ID)
    context = {"incident": incident, "form": form, "draft": draft, "signed": signed}
    return render(request, "coordination/notify.html", context)


@staff_required
@require_POST
def notify_draft(request: StaffRequest, ref: str) -> HttpResponse:
    """The form again after its contact or language changed (htmx), sending nothing."""
    incident = incident_or_404(request, ref)
    draft = _draft(incident, request.user.language, request.POST)
    form = NotificationForm(initial=draft.initial)
    context = {"incident": incident, "form": form, "draft": draft}
    return render(request, "coordination/_notification_form.html", context)


@staff_required
@require_POST
def renotify(request: StaffRequest, pk: int) -> HttpResponse:
    original = get_for_user_or_404(
        request.user, Notification.objects.select_related("incident", "contact"), pk=pk
    )
    try:
        notification_renotify(actor=request.user, original=original)
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The notification was queued again."))
    return redirect_to_incident(original.incident)


@staff_required
@require_POST
def no_notification(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    form = NoNotificationForm(request.POST)
    if form.is_valid():
        done = incident_decide_no_notification(
            actor=request.user, incidents=[incident], reason=form.cleaned_data["reason"]
        )
        if done:
            messages.success(request, _("Recorded: no notification needed."))
        else:
            messages.error(
                request, _("Only an open incident can be marked as needing no notification.")
            )
    return redirect_to_incident(incident)


@staff_required
@require_POST
def resolve(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    form = ResolutionForm(request.POST)
    if form.is_valid():
        try:
            incident_resolve(
                actor=request.user, incident=incident, resolved_at=form.cleaned_data["resolved_at"]
            )
        except ValidationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The incident was recorded as resolved."))
    return redirect_to_incident(incident)


@staff_required
def contacts(request: StaffRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = Contact.objects.order_by("organisation", "email")
    if q:
        rows = rows.filter(
            Q(organisation__icontains=q) | Q(email__icontains=q) | Q(country__iexact=q)
        )
    return render(request, "coordination/contacts.html", {"contacts": rows[:500], "q": q})


@staff_required
def contact_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    contact = get_for_user_or_404(request.user, Contact.objects.all(), pk=pk) if pk else None
    form = ContactForm(request.POST or None, instance=contact)
    if form.is_valid():
        try:
            contact_save(actor=request.user, contact=contact, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The contact was saved."))
            return HttpResponseRedirect(reverse("coordination:contacts"))
    return render(request, "coordination/contact_form.html", {"form": form, "contact": contact})


@admin_required
def templates(request: StaffRequest) -> HttpResponse:
    rows = NotificationTemplate.objects.order_by("category", "language")
    return render(request, "coordination/templates.html", {"templates": rows})


@admin_required
def template_edit(request: StaffRequest, pk: int) -> HttpResponse:
    template = get_for_user_or_404(request.user, NotificationTemplate.objects.all(), pk=pk)
    form = TemplateForm(
        request.POST or None, initial={"subject": template.subject, "body": template.body}
    )
    if form.is_valid():
        try:
            notification_template_update(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The template was saved."))
            return HttpResponseRedirect(reverse("coordination:templates"))
    preview, error = _preview(template, subject=template.subject, body=template.body)
    return render(
        request,
        "coordination/template_form.html",
        {"form": form, "template": template, "preview": preview, "error": error},
    )


def _preview(template: NotificationTemplate, **text: str) -> tuple[tuple[str, str], str]:
    """(rendered subject and body, "") or (empty, why it does not render)."""
    try:
        return template_preview(template=template, **text), ""
    except ValidationError as exc:
        return ("", ""), exc.message


@admin_required
@require_POST
def template_preview_view(request: StaffRequest, pk: int) -> HttpResponse:
    template = get_for_user_or_404(request.user, NotificationTemplate.objects.all(), pk=pk)
    form = TemplateForm(request.POST)
    error, preview = "", ("", "")
    if form.is_valid():
        preview, error = _preview(template, **form.cleaned_data)
    return render(
        request, "coordination/_template_preview.html", {"preview": preview, "error": error}
    )


@admin_required
def sla_targets(request: StaffRequest) -> HttpResponse:
    current = {t.category: t for t in SlaTarget.objects.all()}
    form = SlaTargetsForm(request.POST or None, targets=current)
    if form.is_valid():
        try:
            changed = sla_targets_update(actor=request.user, targets=form.targets())
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("SLA targets saved: %(count)d changed.") % {"count": len(changed)}
            )
            return HttpResponseRedirect(reverse("coordination:sla_targets"))
    return render(request, "coordination/sla_targets.html", {"form": form})
