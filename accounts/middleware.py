"""Staff sessions end after STAFF_IDLE_TIMEOUT_MINUTES without a request. Residents'
passbook sessions are anonymous and keep their own rules (the resident session's guard)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from accounts.sessions import LAST_SEEN_KEY, LAST_SEEN_RESOLUTION

logger = logging.getLogger("passbook.security")


class StaffIdleTimeoutMiddleware:
    """Logs a signed-in user out after STAFF_IDLE_TIMEOUT_MINUTES without a request.

    Must come after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > idle_timeout_seconds():
                return self._expire(request)
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _expire(request: HttpRequest) -> HttpResponse:
        logger.info("staff session idle: user %s logged out", request.user.pk)
        logout(request)
        messages.info(
            request,
            _("您已超过 %(minutes)s 分钟没有操作，为安全起见已自动退出，请重新登录。")
            % {"minutes": settings.STAFF_IDLE_TIMEOUT_MINUTES},
        )
        if request.headers.get("HX-Request"):
            # A partial update would put the login page inside the page; send htmx there.
            return HttpResponse(status=204, headers={"HX-Redirect": resolve_url("login")})
        next_url = request.get_full_path() if request.method == "GET" else ""
        if next_url:
            return redirect_to_login(next_url)
        return redirect_to_login(resolve_url(settings.LOGIN_REDIRECT_URL))


def idle_timeout_seconds() -> int:
    return settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
