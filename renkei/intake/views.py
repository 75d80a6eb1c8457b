"""Views of the intake channels: the public form, the .eml upload, downloads, problems."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkei.accounts.access import staff_required
from renkei.intake.attachments import Attachment, IncomingFile
from renkei.intake.collectors.mail import email_receive
from renkei.intake.collectors.web import WebSubmission, web_receive
from renkei.intake.definitions import definitions
from renkei.intake.downloads import encrypted_zip_response
from renkei.intake.forms import ClassifyForm, EmlUploadForm, ReportForm
from renkei.intake.models import CHANNEL_CHOICES, RawReport, Report
from renkei.intake.ratelimit import submit_rate_limited
from renkei.intake.reprocess import (
    REPROCESSABLE_CHANNELS,
    raw_report_reprocess,
    raw_reports_needing_attention,
)
from renkei.intake.review import report_classify
from renkei.lib.errors import ValidationError
from renkei.lib.ratelimit import client_address

log = logging.getLogger(__name__)
SESSION_KEY = "renkei_submitted"
# The files and the form fields, with room for multipart framing.
_FRAMING = 1024 * 1024


def _language(request: HttpRequest) -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def _too_large(request: HttpRequest) -> bool:
    limit = settings.RENKEI_SUBMIT_MAX_FILES * settings.RENKEI_SUBMIT_MAX_FILE_BYTES + _FRAMING
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return True


def _files(files: list[UploadedFile]) -> tuple[IncomingFile, ...]:
    return tuple(
        IncomingFile(f.name or "", f.content_type or "", b"".join(f.chunks())) for f in files
    )


def _submission(request: HttpRequest, form: ReportForm) -> WebSubmission:
    data = form.cleaned_data
    return WebSubmission(
        category=data["category"], url=data["url"], ip=data["ip"],
        description=data["description"], contact_email=data["contact_email"],
        contact_requested=data["contact_requested"], language=_language(request),
        client=client_address(request), files=_files(data["attachments"]),
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if not settings.RENKEI_SUBMIT_ENABLED:
        raise Http404
    context = {"definitions": definitions(_language(request)), "lang": _language(request)}
    if request.method == "POST":
        if submit_rate_limited(request):
            return render(request, "intake/submit_limited.html", context, status=429)
        if _too_large(request):
            return render(request, "intake/submit_limited.html", context, status=413)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_bot:
        log.info("honeypot filled by %s; submission dropped", client_address(request))
        return redirect("intake:submit_done")
    if request.method == "POST" and form.is_valid():
        ref = web_receive(_submission(request, form))
        request.session[SESSION_KEY] = {
            "ref": ref, "category": form.cleaned_data["category"],
            "url": form.cleaned_data["url"], "ip": form.cleaned_data["ip"],
        }  # fmt: skip
        return redirect("intake:submit_done")
    return render(request, "intake/submit.html", context | {"form": form})


@require_GET
def submit_done(request: HttpRequest) -> HttpResponse:
    submitted = request.session.pop(SESSION_KEY, None)
    lang = _language(request)
    label = ""
    if submitted:
        label = definitions(lang)[submitted["category"]].label
    context = {"submitted": submitted, "category_label": label, "lang": lang}
    return render(request, "intake/submit_done.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = EmlUploadForm(request.POST or None, request.FILES or None)
    results = []
    if request.method == "POST" and form.is_valid():
        collector = f"upload:{request.user.get_username()}"
        for item in form.cleaned_data["emls"]:
            outcome = email_receive(
                b"".join(item.chunks()),
                collector=collector,
                actor=request.user,  # type: ignore[arg-type]
            )
            results.append((item.name, outcome))
        form = EmlUploadForm()
    return render(request, "intake/upload.html", {"form": form, "results": results})


@staff_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Only ever as a zip encrypted with `infected`: never inline, never as itself."""
    attachment = Attachment.objects.filter(pk=pk, data_stored=True).first()
    if attachment is None:
        raise Http404
    inside = attachment.filename or "attachment.bin"
    return encrypted_zip_response(inside, bytes(attachment.data), f"{attachment.sha256}.zip")


@staff_required
@require_POST
def report_classify_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the analyst's category (and brand) for a report; back to its incident."""
    report = get_object_or_404(Report.objects.select_related("incident"), pk=pk)
    back = redirect(f"{reverse('incidents:detail', args=[report.incident.ref])}#report-{pk}")
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        reasons = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("The decision was not recorded: %(why)s") % {"why": reasons})
        return back
    try:
        report_classify(
            actor=request.user,  # type: ignore[arg-type]
            report=report, category=form.cleaned_data["category"],
            brand=form.cleaned_data["brand"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _("The decision was not recorded: %(why)s") % {"why": exc.message})
    return back


@staff_required
@require_GET
def problems(request: HttpRequest) -> HttpResponse:
    """Raw reports that failed or were never processed, newest first."""
    channel = request.GET.get("channel", "")
    channels = [value for value, _label in CHANNEL_CHOICES]
    if channel and channel not in channels:
        messages.error(
            request, _("There is no channel %(name)s; all are shown.") % {"name": channel}
        )
        channel = ""
    page, next_cursor = raw_reports_needing_attention(
        channel=channel, after=request.GET.get("after", "")
    )
    context = {
        "raws": page,
        "next_cursor": next_cursor,
        "channel": channel,
        "channels": channels,
        "reprocessable": REPROCESSABLE_CHANNELS,
    }
    return render(request, "intake/problems.html", context)


@staff_required
@require_GET
def raw_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A raw report's bytes, like an attachment only inside a zip encrypted with `infected`."""
    raw = get_object_or_404(RawReport, pk=pk)
    return encrypted_zip_response(f"raw-{raw.pk}.bin", bytes(raw.content), f"raw-{raw.pk}.zip")


@staff_required
@require_POST
def raw_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    raw = get_object_or_404(RawReport, pk=pk)
    try:
        outcome = raw_report_reprocess(actor=request.user, raw=raw)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, exc.message)
        return redirect("intake:problems")
    if outcome.status == "failed":
        messages.error(request, _("Raw report %(id)s failed again: %(error)s") % {
            "id": raw.pk, "error": outcome.error})  # fmt: skip
        return redirect("intake:problems")
    messages.success(request, _("Raw report %(id)s is now a report.") % {"id": raw.pk})
    return redirect("incidents:detail", ref=outcome.incident_ref)
