"""Staff login with throttling (our small equivalent of django-axes) and the lockout page.

Every failed login is a LoginFailure row (the name typed and the address). After
LOGIN_FAILURE_LIMIT failures of one name within LOGIN_FAILURE_WINDOW_MINUTES — or
LOGIN_FAILURE_LIMIT_PER_IP from one address — that name (or address) is refused for
LOGIN_LOCKOUT_MINUTES, even with the right password. The check sits in the authentication
backend, so the Django admin's login is throttled too. The message never says whether the
name exists: unknown names are counted and locked exactly like real ones. A successful
login deletes the name's failures; a community admin can unlock their own staff.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from residents.http import client_ip
from residents.models import LoginFailure, StaffMembership
from residents.tenancy import Role, community_required

logger = logging.getLogger("passbook.security")

# Staff sometimes type their mobile number as the user name: never log one.
_DIGIT_RUN = re.compile(r"\d{7,}")

# Set on the request when a login was refused because of a lockout, so the form can say so.
LOCKED_FLAG = "login_locked_out"


def _limit() -> int:
    return settings.LOGIN_FAILURE_LIMIT


def _limit_per_ip() -> int:
    return settings.LOGIN_FAILURE_LIMIT_PER_IP


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _lockout() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()[:150]


def loggable(username: str) -> str:
    """The user name for a log line, with any long run of digits (a phone) masked."""
    return _DIGIT_RUN.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], username or "")[:150]


def lock_end(times_newest_first: list[datetime], *, limit: int) -> datetime | None:
    """When a lockout ends, given the latest failure times (newest first): locked if the
    last `limit` failures fell within the window, until the lockout after the newest.
    Refused attempts are not recorded, so the newest failure is the one that locked."""
    if len(times_newest_first) < limit:
        return None
    newest, oldest = times_newest_first[0], times_newest_first[limit - 1]
    if newest - oldest > _window():
        return None
    return newest + _lockout()


def _times(**lookup) -> list[datetime]:
    limit = _limit_per_ip() if "ip_address" in lookup else _limit()
    since = timezone.now() - _window() - _lockout()
    return list(
        LoginFailure.objects.filter(at__gte=since, **lookup)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )


def locked_until(username: str, ip: str | None) -> datetime | None:
    """The end of the lockout of this name or this address, if either is locked now."""
    now = timezone.now()
    ends = [lock_end(_times(username=normalize_username(username)), limit=_limit())]
    if ip:
        ends.append(lock_end(_times(ip_address=ip), limit=_limit_per_ip()))
    current = [end for end in ends if end is not None and end > now]
    return max(current) if current else None


def record_failure(username: str, ip: str | None) -> None:
    name = normalize_username(username)
    LoginFailure.objects.create(username=name, ip_address=ip)
    # Old rows say nothing any more; keep the table small as it goes.
    stale = timezone.now() - timedelta(days=1)
    LoginFailure.objects.filter(username=name, at__lt=stale).delete()


def clear_failures(username: str) -> int:
    deleted, _rows = LoginFailure.objects.filter(username=normalize_username(username)).delete()
    return deleted


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses a locked-out name or address before checking the password
    and records every failure. Raising PermissionDenied stops Django trying other backends
    and sends user_login_failed as for any failure."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if locked_until(username, ip) is not None:
            self._flag(request)
            logger.warning("login refused: %r from %s is locked out", loggable(username), ip)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, ip)
            if locked_until(username, ip) is not None:
                self._flag(request)
                logger.warning("login locked out: %r from %s", loggable(username), ip)
        else:
            clear_failures(username)
        return user

    @staticmethod
    def _flag(request: HttpRequest | None) -> None:
        if request is not None:
            setattr(request, LOCKED_FLAG, True)


def lockout_message() -> str:
    return _(
        "登录失败次数过多，已暂停登录 %(minutes)s 分钟。请稍后再试，或请本居民区管理员解除锁定。"
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


class LockoutMessageMixin:
    """Says "locked out" instead of "wrong password" when the backend refused a lockout;
    the same words whether or not the name exists."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, LOCKED_FLAG, False):
                raise ValidationError(lockout_message(), code="locked_out") from None
            raise


class ThrottledAuthenticationForm(LockoutMessageMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


@dataclass(frozen=True)
class Lockout:
    user: object
    failures: int
    last_failure: datetime
    until: datetime


def community_lockouts(community) -> list[Lockout]:
    """Current lockouts of the community's staff (by name), longest first."""
    users = {
        user.username.lower(): user
        for user in get_user_model().objects.filter(memberships__community=community)
    }
    since = timezone.now() - _window() - _lockout()
    times: dict[str, list[datetime]] = {}
    for name, at in (
        LoginFailure.objects.filter(username__in=list(users), at__gte=since)
        .order_by("username", "-at")
        .values_list("username", "at")
    ):
        times.setdefault(name, []).append(at)
    now = timezone.now()
    lockouts = []
    for name, found in times.items():
        end = lock_end(found[: _limit()], limit=_limit())
        if end is not None and end > now:
            lockouts.append(Lockout(users[name], len(found), found[0], end))
    return sorted(lockouts, key=lambda lockout: lockout.until, reverse=True)


@require_GET
@community_required(Role.ADMIN)
def lockout_list(request: HttpRequest) -> HttpResponse:
    """The community's staff who cannot log in now because of failed attempts."""
    context = {
        "lockouts": community_lockouts(request.community),
        "limit": settings.LOGIN_FAILURE_LIMIT,
        "window": settings.LOGIN_FAILURE_WINDOW_MINUTES,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    return render(request, "residents/lockouts.html", context)


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150)


@require_POST
@community_required(Role.ADMIN)
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    """Deletes a staff member's failed logins so they can log in again at once."""
    form = UnlockForm(request.POST)
    if not form.is_valid():
        raise Http404
    # Only the names of this community's own staff: another community's user is a 404.
    membership = (
        StaffMembership.objects.filter(community=request.community)
        .annotate(name=Lower("user__username"))
        .filter(name=normalize_username(form.cleaned_data["username"]))
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    user = membership.user
    removed = clear_failures(user.username)
    logger.info(
        "login unlocked: %r by %r (%s failures removed)",
        user.username,
        request.user.username,
        removed,
    )
    messages.success(
        request,
        _("已解除 %(name)s 的登录锁定。") % {"name": user.get_full_name() or user.username},
    )
    return redirect("login_lockouts")
