"""The resident session's guard: a passbook's QR code opens its household's pages and
nothing else.

What a resident session may open is marked on the view itself with `@resident_page` — the
passbook here, the open round's rewards in redemption, the language switch where config
wires it — so a later app adds a resident page without editing this module, and a page
nobody marked stays closed to residents.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from points.passbook import SESSION_KEY

_MARK = "resident_page"


def resident_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page a resident session may open. The view is wrapped, never changed, so another
    library's view (Django's language switch) can be marked where it is wired."""

    @wraps(view)
    def page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return view(request, *args, **kwargs)

    setattr(page, _MARK, True)
    return page


def is_resident_page(view: Callable[..., HttpResponse]) -> bool:
    return getattr(view, _MARK, False)


class ResidentSessionGuard:
    """A resident session (from a passbook QR code) reaches only that household's passbook
    pages: every other page answers 403, whatever it is. A staff login replaces it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if SESSION_KEY in request.session:
            if request.user.is_authenticated:
                del request.session[SESSION_KEY]  # the staff identity wins
            elif not self._allowed(request.path_info):
                raise PermissionDenied
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return is_resident_page(match.func)
