"""Security middleware and the ending of staff sessions.

- ContentSecurityPolicyMiddleware: a strict Content-Security-Policy on every response.
  Pages carry no inline script, no on*= handler and no style="" attribute (behaviour lives
  in static/js/behaviours.js), so scripts and styles come from our own origin only.
- StaffIdleTimeoutMiddleware: a signed-in user who sends no request for
  STAFF_IDLE_TIMEOUT_MINUTES is logged out and sent to the login page. Residents' passbook
  sessions are anonymous (points.middleware.ResidentSessionGuard) and keep their own rules.
- Ending sessions: every login is mapped to its database session (UserSession), so
  deactivating a user, or removing their last community role, deletes their sessions
  at once instead of waiting for them to expire. (Django would refuse an inactive user on
  the next request anyway; deleting the sessions also ends them for a bulk .update().)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

from residents.models import StaffMembership, UserSession

logger = logging.getLogger("passbook.security")

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

# Seconds since the epoch of the signed-in user's last request, kept in their session.
LAST_SEEN_KEY = "staff_last_seen"
# Writing the session on every request would be a database write per page; a minute's
# precision is plenty for a 30-minute timeout.
LAST_SEEN_RESOLUTION = 60


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


def end_sessions(user) -> int:
    """Deletes every database session of the user; returns how many there were."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if not keys:
        return 0
    deleted, _rows = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    logger.info("ended %s session(s) of user %s", deleted, user.pk)
    return deleted


@receiver(user_logged_in, dispatch_uid="passbook_session_opened")
def _session_opened(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[LAST_SEEN_KEY] = int(time.time())
    key = request.session.session_key
    if not key:
        return
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
    # Sessions that expired (or were cleared by clearsessions) leave mapping rows behind.
    UserSession.objects.filter(user=user).exclude(
        session_key__in=Session.objects.values("session_key")
    ).delete()


@receiver(user_logged_out, dispatch_uid="passbook_session_closed")
def _session_closed(sender, request, user, **kwargs) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="passbook_user_deactivated")
def _user_saved(sender, instance, created: bool, **kwargs) -> None:
    if not created and not instance.is_active:
        end_sessions(instance)


@receiver(post_delete, sender=StaffMembership, dispatch_uid="passbook_membership_removed")
def _membership_removed(sender, instance: StaffMembership, **kwargs) -> None:
    """Without any community role a user can do nothing here: end their sessions (the
    superuser and Django-admin staff keep theirs for /admin/)."""
    user = instance.user
    if user.is_superuser or user.is_staff:
        return
    if not StaffMembership.objects.filter(user=user).exists():
        end_sessions(user)
