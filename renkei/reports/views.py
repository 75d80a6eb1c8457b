"""The quarterly report on the web: center staff only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from renkei.accounts.access import staff_required
from renkei.lib.errors import RenkeiError
from renkei.reports import selectors
from renkei.reports.figures import quarterly_report
from renkei.reports.fonts import CSS_FONT_STACK
from renkei.reports.forms import QuarterNoteForm, QuarterStartForm, reportable_quarter
from renkei.reports.labels import LANGS, Lang
from renkei.reports.periods import Month, Quarter, report_tz
from renkei.reports.render_csv import quarterly_csv_files, zip_bytes
from renkei.reports.render_html import report_context
from renkei.reports.services import quarter_note_save


def _quarter(text: str) -> Quarter:
    quarter = reportable_quarter(text)
    if quarter is None:
        raise Http404("not a quarter")
    return quarter


def _lang(request: HttpRequest) -> Lang:
    lang = request.GET.get("lang", "ja")
    return lang if lang in LANGS else "ja"  # type: ignore[return-value]


def _available_quarters() -> list[str]:
    """Quarters starting in January, April, July and October that hold reports, newest first."""
    first, last = selectors.first_record_instant(), selectors.last_record_instant()
    if first is None or last is None:
        return []
    tz = report_tz()
    start, end = Month.of(first, tz), Month.of(last, tz)
    month = start.shift(-((start.month - 1) % 3))
    found = []
    while month <= end:
        found.append(str(month))
        month = month.shift(3)
    return found[::-1]


def _refused(reason: str) -> HttpResponse:
    """A 400 with its reason as UTF-8 text (the reason may be Japanese)."""
    return HttpResponse(reason, status=400, content_type="text/plain; charset=utf-8")


@require_GET
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    if request.GET.get("start"):
        form = QuarterStartForm(request.GET)
        if not form.is_valid():
            return _refused(form.errors.as_text())
        return redirect("reports:quarterly", quarter=str(form.cleaned_data["start"]))
    return render(request, "reports/index.html", {"quarters": _available_quarters()})


@require_GET
@staff_required
def quarterly(request: HttpRequest, quarter: str) -> HttpResponse:
    period, lang = _quarter(quarter), _lang(request)
    context = report_context(period, quarterly_report(period), lang)
    context["note_form"] = QuarterNoteForm(initial={"lang": lang})
    return render(request, "reports/quarterly.html", context)


@require_GET
def report_css(request: HttpRequest) -> HttpResponse:
    """The report's layout as a stylesheet of our own origin (pages allow no inline style).

    The same rules are inlined into the standalone HTML and the PDF.
    """
    response = render(
        request, "reports/_report_style.css", {"font_stack": CSS_FONT_STACK},
        content_type="text/css; charset=utf-8",
    )  # fmt: skip
    response["Cache-Control"] = "max-age=3600"
    return response


@require_GET
@staff_required
def download(request: HttpRequest, quarter: str, fmt: str) -> HttpResponse:
    period, lang = _quarter(quarter), _lang(request)
    report = quarterly_report(period)
    name = f"renkei-{period}-{lang}"
    if fmt == "json":
        response: HttpResponse = JsonResponse(
            report, json_dumps_params={"ensure_ascii": False, "indent": 1}
        )
        name = f"renkei-{period}"
    elif fmt == "pdf":
        from renkei.reports.render_pdf import quarterly_pdf

        response = HttpResponse(quarterly_pdf(period, lang=lang, figures=report),
                                content_type="application/pdf")  # fmt: skip
    elif fmt == "zip":
        files = quarterly_csv_files(report, lang)
        response = HttpResponse(zip_bytes(files, name), content_type="application/zip")
    else:
        raise Http404("no such format")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_POST
@staff_required
def note_save(request: HttpRequest, quarter: str) -> HttpResponse:
    period = _quarter(quarter)
    form = QuarterNoteForm(request.POST)
    if not form.is_valid():
        return _refused(form.errors.as_text())
    data = form.cleaned_data
    try:
        quarter_note_save(
            actor=request.user,  # type: ignore[arg-type]
            quarter=str(period),
            lang=data["lang"],
            title=data["title"],
            body_markdown=data["body_markdown"],
            position=data["position"] or 0,
            note_id=data.get("note_id"),
        )
    except RenkeiError as exc:
        return _refused(str(exc))
    url = reverse("reports:quarterly", kwargs={"quarter": str(period)})
    return redirect(f"{url}?lang={data['lang']}#notes")
