"""Residents' access to their passbook: tokens behind the QR code, and the resident session.

The paper passbook carries a link with a long random token. Opening it checks the token's
hash, starts a short resident session scoped to that one household, and redirects to a
URL without the token. Wrong tokens are counted per address and throttled.

Every page a resident session opens (the passbook here, the rewards page of redemption)
finds its household with `resident_household`, answers `unavailable` without one, and is
`private`.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import wraps

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from points.models import PassbookAccessFailure, PassbookToken
from residents.http import client_ip as residents_client_ip
from residents.models import Household

SESSION_KEY = "resident_household_id"
SESSION_SECONDS = 30 * 60  # short: a shared phone or a borrowed one forgets soon
FAILURE_WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES = 10


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """256 bits from the operating system's CSPRNG, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def issue_tokens(*, households: Iterable[Household], by) -> dict[int, str]:
    """A fresh token for each household; the old ones stop working at once. Returns the
    plain tokens (to print now — they are not stored) by household id."""
    households = list(households)
    ids = [h.pk for h in households]
    # Lock the households so two reprints at once cannot both leave an active token.
    list(Household.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    PassbookToken.objects.filter(household_id__in=ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    plain = {h.pk: new_token() for h in households}
    PassbookToken.objects.bulk_create(
        PassbookToken(
            community_id=h.community_id,
            household=h,
            token_hash=token_hash(plain[h.pk]),
            created_by=by,
        )
        for h in households
    )
    return plain


@transaction.atomic
def revoke_tokens(*, household: Household) -> int:
    return PassbookToken.objects.filter(household=household, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def client_ip(request: HttpRequest) -> str:
    return residents_client_ip(request) or "0.0.0.0"


def is_throttled(request: HttpRequest) -> bool:
    since = timezone.now() - FAILURE_WINDOW
    recent = PassbookAccessFailure.objects.filter(ip=client_ip(request), at__gte=since)
    return recent.count() >= MAX_FAILURES


def household_for_token(request: HttpRequest, token: str) -> Household | None:
    """The household whose active token this is, or None (and the failure is counted)."""
    found = (
        PassbookToken.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("household")
        .first()
    )
    if found is None or found.household.status != Household.Status.ACTIVE:
        PassbookAccessFailure.objects.create(ip=client_ip(request))
        return None
    return found.household


def start_resident_session(request: HttpRequest, household: Household) -> None:
    # A fresh session: nothing of a previous visitor (or a staff login) carries over.
    request.session.flush()
    request.session[SESSION_KEY] = household.pk
    request.session.set_expiry(SESSION_SECONDS)


def resident_household_id(request: HttpRequest) -> int | None:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, int) else None


def is_resident_visit(request: HttpRequest) -> bool:
    """A resident session and no staff login: what error pages lead back to the passbook."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is None or (user is not None and user.is_authenticated):
        return False
    return resident_household_id(request) is not None


def resident_household(request: HttpRequest) -> Household | None:
    """The household of the resident session, if it is still in residence; else None."""
    household_id = resident_household_id(request)
    if not household_id:
        return None
    return (
        Household.objects.select_related("community", "compound")
        .filter(pk=household_id, status=Household.Status.ACTIVE)
        .first()
    )


def unavailable(request: HttpRequest) -> HttpResponse:
    """What a resident page answers without a resident session (or after it ended)."""
    end_stale_resident_session(request)
    return render(request, "points/resident/unavailable.html", {"expired": True}, status=403)


def end_stale_resident_session(request: HttpRequest) -> None:
    """Forget a resident session whose household can no longer be shown. A signed-in staff
    member who opens a resident page keeps their login (a link or an image must not be
    able to log staff out)."""
    if not request.user.is_authenticated:
        request.session.flush()


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For every page a resident session opens: no caching anywhere, and no Referer leaving
    the site. A page whose address holds the passbook's token (the QR link) sends no Referer
    at all; the others send it to this site only ("same-origin"): under "no-referrer"
    browsers post their forms with `Origin: null`, which the CSRF check refuses, so 退出查看
    and the wish form would fail in a real browser."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer" if "token" in kwargs else "same-origin"
        return response

    return wrapper
