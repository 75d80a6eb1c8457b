"""Error pages that speak the client's language: JSON under /api/, HTML elsewhere.

Django answers some requests before any view runs (a Host header not in
RENKEI_ALLOWED_HOSTS, a path nothing serves) with its own HTML pages; an
API client expects the API's `{"detail": ...}` body there too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"

HtmlErrorView = Callable[..., HttpResponse]


def _api_aware(status: int, detail: str, html: HtmlErrorView) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"detail": detail}, status=status)
        return html(request) if exception is None else html(request, exception)

    return view


bad_request = _api_aware(400, "bad request", defaults.bad_request)
permission_denied = _api_aware(403, "forbidden", defaults.permission_denied)
page_not_found = _api_aware(404, "not found", defaults.page_not_found)
server_error = _api_aware(500, "internal error", defaults.server_error)
