"""Console pages for incidents: dashboard, queue, incident page, merge, split, manual entry."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from renkei.accounts.access import (
    StaffRequest,
    get_for_user_or_404,
    is_member,
    is_staff,
    staff_required,
)
from renkei.coordination.decisions import incident_decide_no_notification
from renkei.coordination.selectors import notifications_stuck, notifications_undelivered
from renkei.incidents import selectors
from renkei.incidents.dashboard import dashboard as dashboard_figures
from renkei.incidents.forms import (
    BulkActionForm,
    ManualReportForm,
    MergeForm,
    NoNotificationForm,
    QueueFilterForm,
    ReclassifyForm,
    SplitForm,
)
from renkei.incidents.labels import CATEGORY_LABELS, STATUS_LABELS, label
from renkei.incidents.models import Brand, Incident, IncidentMerge
from renkei.incidents.services import (
    incident_assign,
    incident_classify,
    incident_merge,
    incident_split,
    incident_unmerge,
)
from renkei.intake.downloads import encrypted_zip_response
from renkei.intake.manual import report_ingest_one
from renkei.intake.models import Report
from renkei.lib.errors import ValidationError
from renkei.lib.normalize import CATEGORIES


def incident_or_404(request: HttpRequest, ref: str) -> Incident:
    return get_for_user_or_404(
        request.user, Incident.objects.select_related("brand", "assignee", "merged_into"), ref=ref
    )


def redirect_to_incident(incident: Incident) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("incidents:detail", args=[incident.ref]))


def dashboard(request: HttpRequest) -> HttpResponse:
    # The community's participants sign in too, for their API tokens: their home
    # page says what they can do, not "403".
    if is_member(request.user) and not is_staff(request.user):
        return render(request, "console/member_home.html")
    return _staff_dashboard(request)


@staff_required
def _staff_dashboard(request: StaffRequest) -> HttpResponse:
    return render(request, "console/dashboard.html", {"d": dashboard_figures()})


@staff_required
def queue(request: StaffRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    page = selectors.queue_page(form.filters(), after=request.GET.get("after", ""))
    context = {"form": form, "page": page, "bulk": BulkActionForm()}
    template = (
        "incidents/_queue_table.html"
        if request.headers.get("HX-Request")
        else "incidents/queue.html"
    )
    return render(request, template, context)


@staff_required
@require_POST
def bulk(request: StaffRequest) -> HttpResponse:
    form = BulkActionForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("incidents:queue")
    if not form.is_valid():
        messages.error(request, _("Choose incidents and an action."))
        return HttpResponseRedirect(back)
    data, chosen = form.cleaned_data, list(form.cleaned_data["incidents"])
    if data["action"] == "classify":
        done = incident_classify(actor=request.user, incidents=chosen, category=data["category"])
    elif data["action"] == "no_notification":
        done = incident_decide_no_notification(
            actor=request.user, incidents=chosen, reason=data["reason"]
        )
    else:
        done = incident_assign(actor=request.user, incidents=chosen, assignee=data["assignee"])
    messages.success(
        request,
        _("%(done)d of %(chosen)d incidents changed.") % {"done": done, "chosen": len(chosen)},
    )
    return HttpResponseRedirect(back)


@staff_required
def detail(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    # Queued past their retry schedule: no worker is delivering them (few, if any).
    stuck = list(notifications_stuck(incident.notifications.all()).order_by("sent_at"))
    context = {
        "incident": incident,
        "reports": selectors.incident_reports(incident),
        "timeline": selectors.incident_timeline(incident),
        "merges": selectors.incident_merges(incident),
        "notifications": incident.notifications.select_related("contact").order_by("-sent_at")[
            :100
        ],
        # Failed notifications that no later delivery made good: the red alarm.
        "undelivered": notifications_undelivered(incident.notifications.all()).order_by("-sent_at")[
            :20
        ],
        "stuck": stuck,
        "reported_again": selectors.reports_after_resolution(incident),
        "stuck_ids": {notification.pk for notification in stuck},
        "reclassify": ReclassifyForm(initial={"category": incident.category}),
        "no_notification": NoNotificationForm(),
        "categories": [(c, label(c, "category")) for c in CATEGORIES],
        "brand_names": Brand.objects.order_by("name").values_list("name", flat=True),
    }
    return render(request, "incidents/detail.html", context)


@staff_required
@require_POST
def reclassify(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    form = ReclassifyForm(request.POST)
    if form.is_valid():
        changed = incident_classify(
            actor=request.user, incidents=[incident], category=form.cleaned_data["category"]
        )
        if changed:
            messages.success(request, _("The incident was reclassified."))
        else:
            # Its own category, or a merged incident: the service skips both.
            label = CATEGORY_LABELS[incident.category]
            messages.info(
                request,
                _("Nothing changed: the category stays %(category)s.") % {"category": label},
            )
    return redirect_to_incident(incident)


def say_status_change(
    request: HttpRequest, before: str, incident: Incident, *, undone: bool = False
) -> None:
    # The status derives from all the records merged in (a twin's resolution
    # resolves the target too); a change, maybe out of the queue, must not pass unseen.
    if incident.status == before:
        return
    text = (
        _(
            "The status of %(ref)s changed from %(before)s to %(after)s"
            " with the records of the merged incident taken back out."
        )
        if undone
        else _(
            "The status of %(ref)s changed from %(before)s to %(after)s"
            " with the records of the incidents merged into it."
        )
    )
    labels = {"before": STATUS_LABELS[before], "after": STATUS_LABELS[incident.status]}
    messages.warning(request, text % {"ref": incident.ref, **labels})


@staff_required
def merge(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    form = MergeForm(request.POST or None, initial={"refs": request.GET.get("refs", "")})
    if form.is_valid():
        try:
            merged = incident_merge(
                actor=request.user, target=incident, sources=form.cleaned_data["refs"]
            )
        except ValidationError as exc:
            form.add_error("refs", exc.message)
        else:
            messages.success(
                request, _("The incidents were merged into %(ref)s.") % {"ref": incident.ref}
            )
            say_status_change(request, incident.status, merged)
            return redirect_to_incident(incident)
    return render(request, "incidents/merge.html", {"incident": incident, "form": form})


@staff_required
@require_POST
def unmerge(request: StaffRequest, pk: int) -> HttpResponse:
    record = get_for_user_or_404(
        request.user, IncidentMerge.objects.select_related("source", "target"), pk=pk
    )
    target_status = record.target.status
    try:
        source = incident_unmerge(actor=request.user, merge=record)
    except ValidationError as exc:
        messages.error(request, exc.message)
        return redirect_to_incident(record.source)
    messages.success(
        request, _("The merge was undone: %(ref)s is its own incident again.") % {"ref": source.ref}
    )
    record.target.refresh_from_db(fields=["status"])
    say_status_change(request, target_status, record.target, undone=True)
    return redirect_to_incident(source)


@staff_required
def split(request: StaffRequest, ref: str) -> HttpResponse:
    incident = incident_or_404(request, ref)
    reports = selectors.incident_reports(incident, limit=1000)
    choices = [
        (r.pk, f"{localtime(r.received_at):%Y-%m-%d %H:%M} {r.url or r.ip or r.ref}")
        for r in reports
    ]
    form = SplitForm(request.POST or None, report_choices=choices)
    if form.is_valid():
        try:
            new = incident_split(
                actor=request.user,
                incident=incident,
                report_ids=[int(pk) for pk in form.cleaned_data["reports"]],
            )
        except ValidationError as exc:
            form.add_error("reports", exc.message)
        else:
            messages.success(
                request, _("The reports were moved to the new incident %(ref)s.") % {"ref": new.ref}
            )
            return redirect_to_incident(new)
    return render(request, "incidents/split.html", {"incident": incident, "form": form})


@staff_required
def manual_entry(request: StaffRequest) -> HttpResponse:
    form = ManualReportForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        data, scan = form.cleaned_data, form.cleaned_data.get("scan")
        try:
            report = report_ingest_one(
                actor=request.user,
                channel=data["channel"],
                received_at=data["received_at"],
                category=data["category"] or None,
                url=data["url"],
                ip=data["ip"],
                ports=data["ports"].split(),
                brand=data["brand"],
                reporter=data["reporter"],
                text=data["text"],
                scan=scan.read() if scan else None,
                scan_content_type=scan.content_type if scan else "",
            )
        except ValidationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The report was recorded."))
            return redirect_to_incident(report.incident)
    return render(request, "incidents/manual.html", {"form": form})


@staff_required
def raw(request: StaffRequest, pk: int) -> HttpResponse:
    """A report's bytes as received, as the raw reports are: inside an encrypted zip."""
    report = get_object_or_404(Report.objects.select_related("raw"), pk=pk)
    get_for_user_or_404(request.user, Incident.objects.all(), pk=report.incident_id)
    inside = f"report-{report.pk}.{'eml' if report.channel == 'email' else 'bin'}"
    return encrypted_zip_response(inside, report.raw_bytes(), f"report-{report.pk}.zip")
