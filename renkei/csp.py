"""The Content-Security-Policy of every page renkei renders itself.

Pages load scripts and styles from our own origin only, so markup that
slipped into a page unescaped still could not run. That holds for the public
report form and the sign-in pages as much as for the console: they too show
what a stranger sent or typed. Django's admin is left to its own templates,
which are not ours to check. A test renders the pages and checks that none
carries an inline script, event handler or style, which the browser would drop.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
EXEMPT_PREFIXES = ("/admin/",)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and not request.path.startswith(EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
