"""The staff home page (工作概览): this quarter and this year at a glance. The page shows
the figures the apps registered (residents.dashboard), each with its own template; the
charts are inline SVG drawn on the server (no chart library, prints as it shows)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from residents.dashboard import dashboard as board
from residents.tenancy import REGISTER_ROLES, community_required


@require_GET
@community_required(*REGISTER_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    dash = board(community=request.community, today=timezone.localdate())
    return render(request, "redemption/dashboard/dashboard.html", {"dash": dash})
