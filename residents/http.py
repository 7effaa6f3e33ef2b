"""Facts about the request shared by the apps."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy the header it sets
    (LOGIN_CLIENT_IP_HEADER, e.g. HTTP_X_REAL_IP; for X-Forwarded-For the last address,
    the one the proxy itself appended). Used by the login throttle and the passbook link's."""
    if request is None:
        return None
    raw = ""
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header:
        raw = request.META.get(header, "").split(",")[-1].strip()
    raw = raw or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
