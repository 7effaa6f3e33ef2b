"""The Content-Security-Policy every response carries: scripts, styles, fonts and
connections from the site itself only. Pages carry no inline script, no on*= handler and
no style="" attribute (behaviour lives in static/js/behaviours.js).

Site-wide wiring like the settings, so it stays in config and imports no app; staff
sign-in and sessions (throttling, idle timeout, ending sessions) are the accounts app's.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # QR codes and charts are inline SVG or data: URIs.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's own debug error pages (DEBUG only) are built from inline styles and
        # scripts; they would be unreadable under the policy.
        if settings.DEBUG and response.status_code >= 400:
            return response
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
