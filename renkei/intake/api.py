"""The HTTP API (django-ninja), mounted at /api/, OpenAPI 3 at /api/openapi.json.

Every call carries `Authorization: Bearer <token>` (tokens are made in the
console, `renkei.accounts.tokens`). Any active token user may submit
reports; reading incidents and reports is for center staff. Reports are
paged by cursor (newest first); incidents by `offset`, or as a feed of
changes with cursors, for a client that keeps in step.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    field_validator,
)

from renkei.accounts.models import User
from renkei.incidents.models import Incident, IncidentStatus
from renkei.incidents.selectors import (
    changes_settled,
    incident_changes,
    keyset_after,
    keyset_cursor,
    keyset_position,
)
from renkei.intake.collectors.api import (
    ApiReport,
    ApiResult,
    api_raw_store,
    api_receive,
    api_reject_request,
)
from renkei.intake.exchange import SERVER_SET_EXTRA
from renkei.intake.models import Report
from renkei.intake.ratelimit import api_submit_rate_limited
from renkei.lib.errors import ValidationError
from renkei.lib.normalize import refuse_deep_json
from renkei.lib.ratelimit import seconds_left_in_window
from renkei.lib.timestamps import as_utc

Category = Literal[
    "phishing", "defacement", "malware_site", "scan", "dos", "ics", "targeted_attack", "other"
]


_RFC3339_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")


def _rfc3339_text(value: Any) -> Any:
    # pydantic would read a number, or a string of digits, as seconds since
    # 1970; the API says RFC 3339, and a client sending 1700000000 has a bug.
    if value is not None and not (isinstance(value, str) and _RFC3339_START.match(value)):
        raise ValueError("must be an RFC 3339 timestamp with an offset")
    return value


def _has_utc(value: datetime) -> datetime:
    try:
        as_utc(value)  # year 1 at +09:00 has none; the database would fail on it
    except ValidationError:
        raise ValueError("is outside the years a timestamp can have") from None
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_has_utc)]
Port = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,5}/(tcp|udp|sctp|icmp)$")]


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        # Imported here so that the API module loads whatever the accounts app provides.
        from renkei.accounts.tokens import authenticate_token

        return authenticate_token(token)


class _JsonBody(Parser):
    """JSON request bodies; why one is refused is kept for the answer.

    django-ninja answers any unreadable body with "Cannot parse request body";
    a client needs to know whether it sent bad JSON, another charset or a
    structure too deep.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _unreadable(request, f"the body is not UTF-8 (byte {exc.start})") from exc
        try:
            data = json.loads(text, object_pairs_hook=_without_duplicate_keys)
            refuse_deep_json(data, text)
            return data
        except ValidationError as exc:
            raise _unreadable(request, f"the body's JSON is {exc.message}") from exc
        except json.JSONDecodeError as exc:
            reason = f"the body is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            raise _unreadable(request, reason) from exc
        except _DuplicateKey as exc:
            reason = f"the body's JSON has the key {exc} twice in one object"
            raise _unreadable(request, reason) from exc
        except RecursionError as exc:
            raise _unreadable(request, "the body's JSON nests too deeply") from exc


class _DuplicateKey(ValueError):
    pass


def _without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as parsed, refused when a key comes twice: JSON parsers keep the
    last one silently, so `{"url": A, "url": B}` would be stored as B alone."""
    found = dict(pairs)
    if len(found) < len(pairs):
        counts = Counter(key for key, _ in pairs)
        twice = next(key for key, _ in pairs if counts[key] > 1)
        raise _DuplicateKey(json.dumps(twice, ensure_ascii=False))
    return found


def _unreadable(request: HttpRequest, reason: str) -> ValueError:
    request.renkei_body_error = reason  # type: ignore[attr-defined]
    return ValueError(reason)


api = NinjaAPI(
    title="renkei API",
    version="1",
    description="Submit incident reports; read incidents and reports (staff).",
    auth=BearerToken(),
    urls_namespace="intake:api",  # mounted inside the intake URLconf
    docs_url=None,
    parser=_JsonBody(),
)


# --- Schemas ------------------------------------------------------------------------


class ReportIn(BaseModel):
    """Input models are plain pydantic: ninja's Schema reads attributes of anything
    (it is made for ORM objects), so it would accept a JSON array as an empty report."""

    model_config = ConfigDict(extra="forbid")

    ref: str | None = Field(None, min_length=1, max_length=200, description="unique per client")
    received_at: Timestamp | None = Field(None, description="RFC 3339 with an offset")
    category: Category | None = Field(None, description="omit to let renkei classify")
    url: str = Field("", max_length=8000)
    ip: str = Field("", max_length=100)
    ports: list[Port] = Field(default_factory=list, max_length=1000, description="PORT/PROTO")
    brand: str = Field("", max_length=200)
    text: str = Field("", max_length=1_000_000)
    reporter: str = Field("", max_length=200)
    extra: dict[str, Any] = Field(
        default_factory=dict,
        description="the client's own data, kept and given back; not "
        + ", ".join(f"`{k}`" for k in sorted(SERVER_SET_EXTRA))
        + ", which renkei records itself",
    )

    @field_validator("extra")
    @classmethod
    def _not_server_set(cls, extra: dict[str, Any]) -> dict[str, Any]:
        # Shown on the incident page as renkei's own findings ("signature valid").
        claimed = sorted(SERVER_SET_EXTRA & extra.keys())
        if claimed:
            raise ValueError(f"{', '.join(claimed)} in extra: renkei records these itself")
        return extra


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reports: list[ReportIn] = Field(..., min_length=1)


class ResultOut(Schema):
    index: int
    ref: str
    status: Literal["created", "duplicate", "rejected"]
    report_id: int | None = Field(None, description="given to center staff only")
    incident: str | None = Field(
        None, description="the incident the report joined; given to center staff only"
    )
    reason: str = ""


class BatchOut(Schema):
    results: list[ResultOut]
    created: int
    duplicates: int
    rejected: int


class Problem(Schema):
    detail: str


class Invalid(Schema):
    """422: the schema's errors (a list), or why the report cannot be accepted (text)."""

    detail: list[dict[str, Any]] | str


class ReportOut(Schema):
    id: int
    source: str
    ref: str
    received_at: datetime
    channel: str
    reporter: str
    category: str
    category_origin: str
    url: str
    url_as_received: str
    host: str
    ip: str
    ports: list[str]
    brand: str | None
    incident: str
    text: str
    extra: dict[str, Any] = Field(
        description="what intake recorded; for e-mail, `pgp.signature.status` is `valid` "
        "only when the signature covers the whole body, `partly_signed` when it covers "
        "part of it (docs/exchange-format.md)"
    )


class IncidentOut(Schema):
    ref: str
    category: str
    key: str | None
    status: str
    first_report_at: datetime
    last_report_at: datetime
    report_count: int
    brand: str | None
    ports: list[str]
    updated_at: datetime = Field(description="its latest change: a report, a decision, an edit")


class ReportPage(Schema):
    count: int
    limit: int
    offset: int
    next: str | None = Field(None, description="the cursor of the following page; none at the end")
    more: bool = Field(description="whether more reports follow this page")
    items: list[ReportOut]


class IncidentPage(Schema):
    count: int | None = Field(None, description="all matching incidents; not in a feed of changes")
    limit: int
    offset: int
    next: str | None = Field(None, description="feed of changes: the cursor to go on from")
    more: bool | None = Field(
        None, description="whether more follow this page (in a feed of changes: wait now)"
    )
    items: list[IncidentOut]


class PageQuery(BaseModel):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class ReportQuery(PageQuery):
    cursor: str | None = Field(
        None, max_length=100, description="go on from a page's `next` (steady while reports arrive)"
    )


class IncidentQuery(PageQuery):
    category: Category | None = None
    status: IncidentStatus | None = None
    changed_since: Timestamp | None = Field(
        None, description="a feed of changes: incidents changed at or after this time, oldest first"
    )
    cursor: str | None = Field(
        None, max_length=100, description="a feed of changes: go on from a page's `next`"
    )


# --- Errors -------------------------------------------------------------------------


def _keep_refused(request: HttpRequest, reason: str) -> None:
    """The collector keeps what it received, even what it refused."""
    user = getattr(request, "auth", None)
    if request.method == "POST" and isinstance(user, User):
        api_reject_request(user, request.body, reason[:2000])


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return api.create_response(
        request, {"detail": f"the request is larger than {limit} bytes"}, status=413
    )


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    _keep_refused(request, f"refused by the API schema: {exc.errors}")
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = getattr(request, "renkei_body_error", None) or exc.message
    if exc.status_code == 400:
        _keep_refused(request, f"refused: {message}")
    if isinstance(exc, Throttled):
        limit = settings.RENKEI_API_SUBMIT_RATE_LIMIT
        window = settings.RENKEI_API_SUBMIT_RATE_WINDOW
        message = f"more than {limit} submissions in {window} s; try again in {exc.wait} s"
    response = api.create_response(request, {"detail": message}, status=exc.status_code)
    if isinstance(exc, Throttled) and exc.wait:
        response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": "a valid API token is needed"}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="renkei"'
    return response


def _staff(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not (isinstance(user, User) and user.is_center_staff):
        raise HttpError(403, "reading is for center staff")
    return user


# --- Submitting ---------------------------------------------------------------------


class _SubmitThrottle(BaseThrottle):
    """Submissions per user (RENKEI_API_SUBMIT_RATE_LIMIT), counted after the
    token and before the body is read: a flood is neither parsed nor stored."""

    def allow_request(self, request: HttpRequest) -> bool:
        return not api_submit_rate_limited(_submitter(request).get_username())

    def wait(self) -> int:
        return seconds_left_in_window(settings.RENKEI_API_SUBMIT_RATE_WINDOW)


def _submitter(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _told(user: User, result: ApiResult) -> dict[str, Any]:
    """A result as its submitter may see it.

    Staff see the report and the incident it joined. Anyone else would learn
    from the incident whether others had reported the same site (and, from
    the ids, how busy the center is): they get their own ref and the status.
    """
    told = result.__dict__.copy()
    if not user.is_center_staff:
        told["report_id"] = told["incident"] = None
    return told


def _item(report: ReportIn) -> ApiReport:
    return ApiReport(**report.model_dump())


def _results(user: User, results: list[ApiResult]) -> dict[str, Any]:
    counts = {s: sum(1 for r in results if r.status == s) for s in ("created", "duplicate")}
    return {
        "results": [_told(user, r) for r in results],
        "created": counts["created"],
        "duplicates": counts["duplicate"],
        "rejected": len(results) - counts["created"] - counts["duplicate"],
    }


@api.post(
    "/reports",
    response={
        201: ResultOut, 200: ResultOut, 400: Problem, 401: Problem, 413: Problem, 422: Invalid,
        429: Problem,
    },
    summary="Submit one report", tags=["reports"], throttle=[_SubmitThrottle()],
)  # fmt: skip
def report_submit(request: HttpRequest, report: ReportIn) -> Status[dict[str, Any]]:
    user = _submitter(request)
    raw = api_raw_store(user, request.body)
    result = api_receive(user, raw, [_item(report)])[0]
    if result.status == "rejected":
        return Status(422, {"detail": result.reason})
    return Status(201 if result.status == "created" else 200, _told(user, result))


@api.post(
    "/reports/batch",
    response={200: BatchOut, 400: Problem, 401: Problem, 413: Problem, 422: Invalid, 429: Problem},
    summary="Submit several reports at once", tags=["reports"], throttle=[_SubmitThrottle()],
)  # fmt: skip
def report_submit_batch(request: HttpRequest, batch: BatchIn) -> Status[dict[str, Any]]:
    if len(batch.reports) > settings.RENKEI_API_BATCH_MAX:
        detail = f"at most {settings.RENKEI_API_BATCH_MAX} reports per request"
        return Status(413, {"detail": detail})
    user = _submitter(request)
    raw = api_raw_store(user, request.body)
    results = api_receive(user, raw, [_item(r) for r in batch.reports])
    return Status(200, _results(user, results))


# --- Reading ------------------------------------------------------------------------


def _report_out(report: Report) -> dict[str, Any]:
    data = {f: getattr(report, f) for f in ReportOut.model_fields if hasattr(report, f)}
    data["brand"] = report.brand.name if report.brand else None
    data["incident"] = report.incident.ref
    return data


def _incident_out(incident: Incident) -> dict[str, Any]:
    data = {f: getattr(incident, f) for f in IncidentOut.model_fields}
    data["brand"] = incident.brand.name if incident.brand else None
    return data


def _only_known(request: HttpRequest, query: type[BaseModel]) -> None:
    """Unknown query parameters are refused: a mistyped `limt` must not pass unnoticed."""
    unknown = sorted(set(request.GET) - set(query.model_fields))
    if unknown:
        raise HttpError(422, f"unknown query parameter(s): {', '.join(unknown)}")


def _page(
    queryset: QuerySet[Any], page: PageQuery, render: Any, count: int | None = None
) -> dict[str, Any]:
    limit = min(page.limit, settings.RENKEI_API_PAGE_MAX)
    items = list(queryset[page.offset : page.offset + limit + 1])  # one more: is there a next?
    return {
        "count": queryset.count() if count is None else count,
        "limit": limit,
        "offset": page.offset,
        "more": len(items) > limit,
        "items": [render(item) for item in items[:limit]],
    }


@api.get(
    "/reports", response={200: ReportPage, 401: Problem, 403: Problem, 422: Invalid},
    summary="Reports, newest first", tags=["reports"],
    description=(
        "Newest received first. Go on with a page's `next` as `cursor`: the pages stay in "
        "step while reports arrive (with `offset` a new report shifts every later page by "
        "one, and deep offsets are slow)."
    ),
)  # fmt: skip
def report_list(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    _staff(request)
    _only_known(request, ReportQuery)
    reports = Report.objects.select_related("brand", "incident")
    count = reports.count()
    if query.cursor is not None:
        if query.offset:
            raise HttpError(422, "pass `cursor` or `offset`, not both")
        position = keyset_position(query.cursor)
        if position is None:
            raise HttpError(422, "`cursor` is not one this API gave out")
        reports = keyset_after(reports, "received_at", position, newest=True)
    page = _page(reports.order_by("-received_at", "-id"), query, _report_out, count=count)
    last = page["items"][-1] if page["more"] else None
    page["next"] = keyset_cursor(last["received_at"], last["id"]) if last else None
    return page


@api.get(
    "/reports/{report_id}",
    response={200: ReportOut, 401: Problem, 403: Problem, 404: Problem, 422: Invalid},
    summary="One report", tags=["reports"],
)  # fmt: skip
def report_detail(request: HttpRequest, report_id: int) -> Status[dict[str, Any]]:
    _staff(request)
    report = Report.objects.select_related("brand", "incident").filter(pk=report_id).first()
    if report is None:
        return Status(404, {"detail": "no such report"})
    return Status(200, _report_out(report))


@api.get(
    "/incidents", response={200: IncidentPage, 401: Problem, 403: Problem, 422: Invalid},
    summary="Incidents, most recently changed first; or a feed of changes", tags=["incidents"],
    description=(
        "Without `changed_since` or `cursor`: most recently changed first, paged by `offset`. "
        "With either: a feed of changes, oldest change first, paged by `next` (pass it as "
        "`cursor` with the same filters, now while `more` is true, else at the next poll). "
        "A changed incident comes again later in the feed (with a filter, only while it "
        "matches: keep in step without filters to see every change). Changes wait for a "
        f"later page for {settings.RENKEI_API_CHANGES_SETTLE_SECONDS} s, and on PostgreSQL "
        "while an older transaction is still open, so that none is passed before it commits."
    ),
)  # fmt: skip
def incident_list(request: HttpRequest, query: Query[IncidentQuery]) -> dict[str, Any]:
    _staff(request)
    _only_known(request, IncidentQuery)
    incidents = Incident.objects.select_related("brand")
    if query.category:
        incidents = incidents.filter(category=query.category)
    if query.status:
        incidents = incidents.filter(status=query.status)
    if query.changed_since is None and query.cursor is None:
        return _page(incidents.order_by("-updated_at", "-id"), query, _incident_out)
    return _changes(incidents, query)


def _changes(incidents: QuerySet[Incident], query: IncidentQuery) -> dict[str, Any]:
    if query.offset:
        raise HttpError(422, "a feed of changes is paged by `cursor`, not `offset`")
    if query.cursor is not None and query.changed_since is not None:
        raise HttpError(422, "`cursor` goes on from where `changed_since` started: pass one")
    if query.cursor is not None:
        position = keyset_position(query.cursor)
        if position is None:
            raise HttpError(422, "`cursor` is not one this API gave out")
    else:
        assert query.changed_since is not None
        position = (query.changed_since, 0)
    margin = timedelta(seconds=settings.RENKEI_API_CHANGES_SETTLE_SECONDS)
    settled = changes_settled(timezone.now(), margin)
    limit = min(query.limit, settings.RENKEI_API_PAGE_MAX)
    page = incident_changes(incidents, position, size=limit, settled=settled)
    return {
        "limit": limit,
        "offset": 0,
        "next": page.next_cursor,
        "more": page.more,
        "items": [_incident_out(incident) for incident in page.incidents],
    }


@api.get(
    "/incidents/{ref}",
    response={200: IncidentOut, 401: Problem, 403: Problem, 404: Problem, 422: Invalid},
    summary="One incident, by its reference (I-...)", tags=["incidents"],
)  # fmt: skip
def incident_detail(request: HttpRequest, ref: str) -> Status[dict[str, Any]]:
    _staff(request)
    incident = Incident.objects.select_related("brand").filter(ref=ref).first()
    if incident is None:
        return Status(404, {"detail": "no such incident"})
    return Status(200, _incident_out(incident))
