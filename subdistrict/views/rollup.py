"""The sub-district's roll-up (`/subdistrict/`), its download, and a community's dashboard
read-only. For every 街道 role (admin and viewer); community staff without one get 403.
No page here names a person: the figures that do are left out (Figure.personal)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from points.forms.standings import StandingsForm
from residents import spreadsheets
from residents.dashboard import dashboard
from subdistrict.access import communities_of, community_or_404, subdistrict_required
from subdistrict.rollup import ROLLUP_SECONDS, cached_rollup
from subdistrict.sheets import rollup_tables


def _period(request: HttpRequest) -> tuple[StandingsForm, object]:
    form = StandingsForm(request.GET or None, today=timezone.localdate())
    return form, form.chosen()


@require_GET
@subdistrict_required()
def rollup(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    table = _table(request, period)
    return render(
        request,
        "subdistrict/rollup.html",
        {
            "form": form,
            "table": table,
            "today": timezone.localdate(),
            "minutes": ROLLUP_SECONDS // 60,
        },
    )


def _table(request: HttpRequest, period):
    communities = list(communities_of(request))
    return cached_rollup(key=str(request.subdistrict.pk), communities=communities, period=period)


@require_GET
@subdistrict_required()
def rollup_export(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    file_format = spreadsheets.chosen_format(request)
    errors = [] if file_format else [spreadsheets.format_error()]
    if form.is_bound and not form.is_valid():
        errors += form.errors.get("period", [])
    if errors:
        return spreadsheets.refused(request, errors, reverse("subdistrict:rollup"))
    table = _table(request, period)
    today = timezone.localdate()
    return spreadsheets.spreadsheet_response(
        file_format=file_format,
        tables=rollup_tables(subdistrict=request.subdistrict, table=table),
        ascii_name=f"subdistrict-{period.param}-{today:%Y%m%d}",
        name=_("%(name)s各居民区概况-%(period)s")
        % {"name": request.subdistrict.name, "period": period.label},
    )


@require_GET
@subdistrict_required()
def community(request: HttpRequest, pk: int) -> HttpResponse:
    """A community's dashboard as its staff see it, less the figures naming people, with no
    link into the community's own pages."""
    chosen = community_or_404(request, pk)
    board = dashboard(community=chosen, today=timezone.localdate(), personal=False)
    return render(request, "subdistrict/community.html", {"dash": board, "community": chosen})
