"""Standings (积分排行) for staff, and the masked version printed for the notice board."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from points import selectors
from points.forms.standings import StandingsForm
from residents import parsing
from residents.tenancy import REGISTER_ROLES, community_required

PAGE_LIMIT = 50
NOTICE_LIMIT = 20


def _context(request: HttpRequest, limit: int | None) -> dict:
    today = timezone.localdate()
    form = StandingsForm(request.GET or None, today=today)
    period = form.chosen()
    result = selectors.standings(community=request.community, period=period, limit=limit)
    return {
        "form": form,
        "period": period,
        "current": selectors.quarter_of(today),
        "standings": result,
        "limit": limit,
        "top_saver_ranks": selectors.TOP_SAVER_RANKS,
        "today": today,
    }


@require_GET
@community_required(*REGISTER_ROLES)
def standings(request: HttpRequest) -> HttpResponse:
    show_all = parsing.choice(request.GET.get("all"), ("1",)) == "1"
    context = _context(request, None if show_all else PAGE_LIMIT)
    context["show_all"] = show_all
    return render(request, "points/standings/standings.html", context)


@require_GET
@community_required(*REGISTER_ROLES)
def standings_notice(request: HttpRequest) -> HttpResponse:
    """For the notice board: names masked, no phone or passbook numbers."""
    return render(request, "points/standings/notice.html", _context(request, NOTICE_LIMIT))
