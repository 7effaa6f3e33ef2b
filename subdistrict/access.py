"""Who may use the sub-district's (街道) pages, and which communities they see.

The 街道's pages sit above the tenancy of residents.tenancy: a user with a SubDistrictRole
sees every community of that sub-district (`communities_of`) and nothing of any other; a
community's staff without such a role are refused (403) at the door. A 街道 user who is not
also a community's staff opens no household's or member's page: those pages ask for a
StaffMembership (residents.tenancy.community_required) and answer 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from residents.models import Community
from subdistrict.models import SubDistrictRole

SESSION_KEY = "subdistrict_id"
Role = SubDistrictRole.Role


def role_of(request: HttpRequest) -> SubDistrictRole | None:
    """The user's 街道 role (the one chosen in this session, else their first)."""
    if not request.user.is_authenticated:
        return None
    roles = list(
        SubDistrictRole.objects.filter(user=request.user)
        .select_related("subdistrict")
        .order_by("subdistrict__name")
    )
    chosen = request.session.get(SESSION_KEY)
    return next((r for r in roles if r.subdistrict_id == chosen), roles[0] if roles else None)


def subdistrict_required(*roles: str) -> Callable:
    """Login required and a 街道 role among `roles` (any if none): sets request.subdistrict
    and request.subdistrict_role, else 403."""
    allowed = set(roles or Role.values)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            role = role_of(request)
            if role is None or role.role not in allowed:
                raise PermissionDenied
            request.subdistrict_role = role
            request.subdistrict = role.subdistrict
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def communities_of(request: HttpRequest) -> QuerySet[Community]:
    """The communities of the request's sub-district, by name."""
    return Community.objects.filter(subdistrict=request.subdistrict).order_by("name")


def community_or_404(request: HttpRequest, pk: int) -> Community:
    """A community of the request's sub-district, else 404 (another's is not confirmed)."""
    return get_object_or_404(communities_of(request), pk=pk)


def is_subdistrict_admin(request: HttpRequest) -> bool:
    role = getattr(request, "subdistrict_role", None)
    return role is not None and role.role == Role.ADMIN
