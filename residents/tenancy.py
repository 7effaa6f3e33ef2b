"""The tenancy boundary: every staff query goes through these helpers.

A staff user works in one community at a time (`request.community`, picked from their
memberships and switchable in the header). Views never call `Model.objects` for tenant rows
directly; they call `scoped()` or `get_scoped_or_404()`, so a forgotten filter cannot leak
another community's households.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from residents.models import Community, StaffMembership

SESSION_KEY = "community_id"
Role = StaffMembership.Role
# Who may use the household register; the counter role only runs the redemption counter.
REGISTER_ROLES = (Role.ADMIN, Role.STAFF)

M = TypeVar("M", bound=models.Model)


class MembershipFigures:
    """Small per-community counts every staff page may show (the menu's "waiting for
    review"), registered by the app that owns the rows in its `AppConfig.ready()`:

        membership_figures.register("waiting_for_review", lambda community: Subquery(...))

    Each is a correlated subquery on the community (`OuterRef("community")`), annotated on
    the one query that loads the user's memberships, so showing them costs no query."""

    def __init__(self) -> None:
        self._figures: dict[str, Callable[[models.Expression], models.Expression]] = {}

    def register(
        self, name: str, expression: Callable[[models.Expression], models.Expression]
    ) -> None:
        self._figures[name] = expression

    def annotations(self) -> dict[str, models.Expression]:
        community = models.OuterRef("community")
        return {name: expression(community) for name, expression in self._figures.items()}


membership_figures = MembershipFigures()


def memberships_of(user) -> list[StaffMembership]:
    """The user's roles, each with the registered figures of its community: one query."""
    if not user.is_authenticated:
        return []
    return list(
        StaffMembership.objects.filter(user=user)
        .select_related("community")
        .annotate(**membership_figures.annotations())
        .order_by("community__name")
    )


def current_membership(
    request: HttpRequest, memberships: list[StaffMembership]
) -> StaffMembership | None:
    """The membership for the community chosen in this session (or the user's first)."""
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.community_id == chosen:
            return membership
    return memberships[0]


def scoped(request: HttpRequest, model_or_queryset: type[M] | models.QuerySet[M]):
    """Rows of the request's community only. Raises PermissionDenied without one."""
    community = getattr(request, "community", None)
    if community is None:
        raise PermissionDenied
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    return queryset.filter(community=community)


def get_scoped_or_404(
    request: HttpRequest, model_or_queryset: type[M] | models.QuerySet[M], **lookup
) -> M:
    """The object if it belongs to the request's community, else 404 (never 403: an
    object of another community must not even be confirmed to exist)."""
    return get_object_or_404(scoped(request, model_or_queryset), **lookup)


def community_required(*roles: str) -> Callable:
    """Login required, a membership in the current community, and one of `roles`."""
    allowed = set(roles or Role.values)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_admin(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role == Role.ADMIN


def switch_to(request: HttpRequest, community: Community) -> None:
    request.session[SESSION_KEY] = community.pk
