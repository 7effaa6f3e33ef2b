"""Service hours (志愿服务时长), for admins and staff: every volunteer's hours for a quarter
or a year in half-hour units, on a page and as a spreadsheet (residents.spreadsheets, the one
writer), so residents' service can be certified elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from needs.hours import service_hours
from points.forms.standings import StandingsForm
from residents.spreadsheets import (
    Column,
    Table,
    chosen_format,
    format_error,
    record_export,
    refused,
    spreadsheet_response,
)
from residents.tenancy import REGISTER_ROLES, community_required

HOURS_FORMAT = "0.0"


@require_GET
@community_required(*REGISTER_ROLES)
def hours_list(request: HttpRequest) -> HttpResponse:
    form = StandingsForm(request.GET or None, today=timezone.localdate())
    period = form.chosen()
    rows = service_hours(request.community, period)
    return render(
        request,
        "needs/hours_list.html",
        {
            "form": form,
            "period": period,
            "rows": rows,
            "total": sum(row.hours for row in rows),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
@community_required(*REGISTER_ROLES)
def hours_export(request: HttpRequest) -> HttpResponse:
    form = StandingsForm(request.GET, today=timezone.localdate())
    file_format = chosen_format(request)
    errors = [] if file_format else [format_error()]
    if not form.is_valid():
        errors += form.errors["period"]
    if errors:
        return refused(request, errors, reverse("needs:hours_list"))
    period = form.cleaned_data["period"]
    rows = [
        [
            row.member.name,
            row.member.place,
            _("是") if row.member.is_party_member else "",
            row.times,
            row.hours,
            row.pending,
        ]
        for row in service_hours(request.community, period)
    ]
    table = Table(
        _("志愿服务时长"),
        [
            Column(_("姓名"), 10),
            Column(_("居住"), 20),
            Column(_("党员"), 6),
            Column(_("服务次数"), 9),
            Column(_("服务时长（小时）"), 14, HOURS_FORMAT),
            Column(_("待审核时长（小时）"), 16, HOURS_FORMAT),
        ],
        rows,
        heading=_("%(community)s %(period)s志愿服务时长（按 0.5 小时计）")
        % {"community": request.community.name, "period": period.label},
    )
    response = spreadsheet_response(
        file_format=file_format,
        tables=[table],
        ascii_name=f"service-hours-{request.community.slug}-{period.param}",
        name=_("志愿服务时长-%(period)s") % {"period": period.label},
    )
    record_export(
        request,
        what="service_hours",
        file_format=file_format,
        rows=len(rows),
        parameters={"period": period.param},
    )
    return response
