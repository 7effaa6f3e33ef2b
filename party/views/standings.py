"""The party standings (党员积分排行) of a quarter or a year, for staff and admins: base,
value-added, total and the base standard, the big savers (储值大户) at the top; printable
for the branch meeting, and a masked version for the public board."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from party import selectors, services
from points.forms.standings import StandingsForm
from residents.tenancy import REGISTER_ROLES, community_required


def _context(request: HttpRequest) -> dict:
    today = timezone.localdate()
    form = StandingsForm(request.GET or None, today=today)
    period = form.chosen()
    settings = services.settings_of(request.community)
    result = selectors.standings(
        community=request.community, period=period, today=today, settings=settings
    )
    return {
        "form": form,
        "period": period,
        "standings": result,
        "settings": settings,
        "today": today,
    }


@require_GET
@community_required(*REGISTER_ROLES)
def standings(request: HttpRequest) -> HttpResponse:
    return render(request, "party/standings.html", _context(request))


@require_GET
@community_required(*REGISTER_ROLES)
def standings_notice(request: HttpRequest) -> HttpResponse:
    """For the public board: names masked, no address, phone or employer."""
    return render(request, "party/standings_notice.html", _context(request))
