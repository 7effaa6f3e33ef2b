"""Staff login throttling (django-axes, configured in config/settings.py) and lockouts.

django-axes records failed logins (AccessAttempt: the name typed, any case, whether or not
such a user exists, and the address) and refuses a locked-out login before the password is
checked, in the authentication backend, so the Django admin's login is throttled too.

What locks:
- a name: LOGIN_FAILURE_LIMIT failures, from anywhere, until LOGIN_LOCKOUT_MINUTES pass
  without one; then it is refused for LOGIN_LOCKOUT_MINUTES after the last failure;
- a name from a busy address: an address with LOGIN_BUSY_ADDRESS_FAILURES failures (of any
  names) in that time is busy, and from it a name that failed LOGIN_BUSY_ADDRESS_LIMIT times
  there is refused there (elsewhere it still has its LOGIN_FAILURE_LIMIT).
An address itself is never locked: a committee office behind one address, or a carrier's
NAT, would lock everybody out because of one person's mistakes (or one attacker's). A busy
address is slowed down instead: each name gets fewer guesses from it, while a colleague who
gives the right password still logs in.

The message never says whether the name exists: unknown names are counted and locked like
real ones. A successful login clears the name's failures; a community admin can unlock
their own staff (/login/lockouts/, accounts.views), the superuser sees every attempt in the
Django admin.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("passbook.security")

# Staff sometimes type their mobile number as the user name: never log one.
_DIGIT_RUN = re.compile(r"\d{7,}")


def _lockout() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def normalize_username(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


def loggable(username: str | None) -> str:
    """The user name for a log line, with any long run of digits (a phone) masked."""
    return _DIGIT_RUN.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], username or "")[:150]


def attempted_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The name a login attempt is counted under (AXES_USERNAME_CALLABLE): as typed, in
    lower case, so SX_Admin and sx_admin share their failures."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username")
    return normalize_username(name)


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def _busy(address: str | None, since: datetime) -> bool:
    if not address:
        return False
    recent = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return _failures(recent) >= settings.LOGIN_BUSY_ADDRESS_FAILURES


class ThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler (a name is locked after LOGIN_FAILURE_LIMIT failures),
    plus the rule for busy addresses: from an address with many failures, a name that has
    failed LOGIN_BUSY_ADDRESS_LIMIT times there is refused there."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self._locked_here(request, credentials)

    def _locked_here(self, request, credentials) -> bool:
        since = get_cool_off_threshold(request)
        address = request.axes_ip_address
        if not _busy(address, since):
            return False
        here = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=address,
            attempt_time__gte=since,
        )
        return _failures(here) >= settings.LOGIN_BUSY_ADDRESS_LIMIT

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:  # not a login over HTTP (see ThrottledModelBackend)
            return
        refused = request.axes_locked_out  # refused before the password was checked
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials)
        if refused:
            logger.warning(
                "login refused: %r from %s is locked out",
                loggable(username),
                request.axes_ip_address,
            )
            return
        if not request.axes_locked_out and self._locked_here(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )
        if request.axes_locked_out:
            logger.warning(
                "login locked out: %r from %s", loggable(username), request.axes_ip_address
            )


class ThrottledModelBackend(AxesBackend):
    """Django's ModelBackend behind django-axes' check: a locked-out name is refused before
    its password is checked (axes raises PermissionDenied, which stops Django trying other
    backends and sends user_login_failed like any failure).

    A call without a request is not a login over HTTP — the test client's login(), a shell —
    and nobody can send one from outside: it is checked by the password alone, where axes'
    own backend would refuse it with an error."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:
            super().authenticate(request, username, password, **kwargs)
        return ModelBackend.authenticate(
            self, request, username=username, password=password, **kwargs
        )


def login_page_as_it_is(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: keep the login page, which says "locked out" itself (in the
    page's language, the same words for any name) instead of axes' own page."""
    return original_response


def lockout_message() -> str:
    return _(
        "登录失败次数过多，已暂停登录 %(minutes)s 分钟。请稍后再试，或请本居民区管理员解除锁定。"
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


@dataclass(frozen=True)
class Lockout:
    user: object
    failures: int
    last_failure: datetime
    until: datetime
    # Empty: locked from everywhere; else only from these busy addresses.
    addresses: tuple[str, ...] = field(default=())


def _lock_end(rows: list[tuple[datetime, int]], limit: int) -> datetime | None:
    """When a name's failures — rows of (last failure, count), each counting until the
    lockout time has passed since its last failure — stop adding up to `limit`; None when
    they do not now."""
    rows = sorted(rows)
    total = sum(count for _at, count in rows)
    if total < limit:
        return None
    for at, count in rows:
        total -= count
        if total < limit:
            return at + _lockout()
    return None


def community_lockouts(community) -> list[Lockout]:
    """Current lockouts of the community's staff (by name), longest first."""
    users = {
        user.username.lower(): user
        for user in get_user_model().objects.filter(memberships__community=community)
    }
    now = timezone.now()
    since = now - _lockout()
    by_name: dict[str, list[tuple[str | None, datetime, int]]] = defaultdict(list)
    for name, address, at, count in AccessAttempt.objects.filter(
        username__in=list(users), attempt_time__gte=since
    ).values_list("username", "ip_address", "attempt_time", "failures_since_start"):
        by_name[name].append((address, at, count))
    lockouts = []
    for name, rows in by_name.items():
        failures = sum(count for _address, _at, count in rows)
        last = max(at for _address, at, _count in rows)
        until = _lock_end(
            [(at, count) for _address, at, count in rows], settings.LOGIN_FAILURE_LIMIT
        )
        if until is not None and until > now:
            lockouts.append(Lockout(users[name], failures, last, until))
            continue
        busy = [
            (address, at)
            for address, at, count in rows
            if count >= settings.LOGIN_BUSY_ADDRESS_LIMIT and _busy(address, since)
        ]
        if busy:
            until = max(at for _address, at in busy) + _lockout()
            addresses = tuple(sorted(address for address, _at in busy))
            lockouts.append(Lockout(users[name], failures, last, until, addresses))
    return sorted(lockouts, key=lambda lockout: lockout.until, reverse=True)


class LockoutMessageMixin:
    """Says "locked out" instead of "wrong password" when the login was refused or has just
    locked; the same words whether or not the name exists."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(), code="locked_out") from None
            raise


class ThrottledAuthenticationForm(LockoutMessageMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass
