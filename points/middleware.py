from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from points.passbook import SESSION_KEY

# What a resident session may open: its passbook, the open round's rewards (names only:
# points does not import redemption), the language switch, static files.
RESIDENT_URLS = {
    "points:passbook_open",
    "points:passbook",
    "points:passbook_exit",
    "redemption:resident_rewards",
    "redemption:resident_reward_picture",
    "set_language",
}


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
        return match.view_name in RESIDENT_URLS
