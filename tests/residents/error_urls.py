"""The site's URLs plus three views that fail on purpose, for tests/residents/test_error_pages.py
(the error handlers are read from the root URLconf, so this module repeats them)."""

from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@require_GET
def fails(request):
    raise RuntimeError("secret-detail-of-the-failure")


@require_GET
def refuses(request):
    raise BadRequest("secret-detail-of-the-bad-request")


@require_GET
def too_many(request):
    response = HttpResponse(status=429)
    response["Retry-After"] = "900"
    return response


urlpatterns = [
    *urlpatterns,
    path("test-errors/500/", fails),
    path("test-errors/400/", refuses),
    path("test-errors/429/", too_many),
]
