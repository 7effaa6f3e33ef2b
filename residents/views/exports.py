"""Downloads of the household register, and the log of every download (admins).

The household export is the household list as a spreadsheet: the same filters, one row per
resident with their household's columns. Its headers are the ones the roster import reads,
so a file that walks out can walk back in.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from residents import parsing
from residents.forms.households import HouseholdFilterForm
from residents.models import ExportRecord, Household, Member
from residents.selectors import filter_households
from residents.spreadsheets import (
    DATE_FORMAT,
    EXPORT_KINDS,
    PARAMETER_LABELS,
    Column,
    Table,
    chosen_format,
    dated_names,
    format_error,
    record_export,
    refused,
    spreadsheet_response,
)
from residents.tenancy import REGISTER_ROLES, Role, community_required, is_admin, scoped

LOG_PAGE_SIZE = 50


def _conditions(form: HouseholdFilterForm) -> dict[str, str]:
    """The filters in words, for the export log (names, not ids that may be reused)."""
    data = form.cleaned_data
    conditions = {}
    if data["q"]:
        conditions["q"] = data["q"]
    for name in ("compound", "building_group", "type"):
        if data[name]:
            conditions[name] = data[name].name
    conditions["status"] = str(dict(form.fields["status"].choices)[data["status"]])
    return conditions


def household_columns() -> list[Column]:
    return [
        Column(_("存折编号"), 11),
        Column(_("小区"), 14),
        Column(_("楼号"), 6),
        Column(_("单元"), 6),
        Column(_("室号"), 7),
        Column(_("楼组"), 11),
        Column(_("家庭类型"), 16),
        Column(_("状态"), 7),
        Column(_("迁出日期"), 11, DATE_FORMAT),
        Column(_("家庭电话"), 14),
        Column(_("姓名"), 10),
        Column(_("性别"), 5),
        Column(_("出生年份"), 8),
        Column(_("与户主关系"), 10),
        Column(_("手机"), 14),
        Column(_("特长"), 16),
        Column(_("是否党员"), 8),
        Column(_("在职党员"), 10),
        Column(_("工作单位"), 20),
        Column(_("职务"), 10),
    ]


def household_rows(households, *, full_phones: bool) -> list[list]:
    """One row per current resident; a household with nobody on record still gets a row,
    so no household goes missing from the file."""

    def phone(holder: Household | Member) -> str:
        return holder.phone if full_phones else holder.masked_phone

    # Labels looked up once, not translated again for each of thousands of rows.
    statuses = {value: str(label) for value, label in Household.Status.choices}
    genders = {value: str(label) for value, label in Member.Gender.choices}
    relations = {value: str(label) for value, label in Member.Relation.choices}
    rows = []
    for household in households:
        address = [
            household.passbook_number,
            household.compound.name,
            household.building,
            household.unit,
            household.room,
            household.building_group.name if household.building_group else "",
            "、".join(t.name for t in household.types.all()),
            statuses[household.status],
            household.moved_out_on,
            phone(household),
        ]
        if not household.current_members:
            rows.append([*address, *[None] * 10])
        for member in household.current_members:
            rows.append(
                [
                    *address,
                    member.name,
                    genders.get(member.gender, ""),
                    member.birth_year,
                    relations.get(member.relation, member.relation),
                    phone(member),
                    "、".join(member.specialties),
                    member.is_party_member,
                    member.is_in_service_party_member,
                    member.employer,
                    member.job_title,
                ]
            )
    return rows


@require_GET
@community_required(*REGISTER_ROLES)
def household_export(request: HttpRequest) -> HttpResponse:
    """The household list (with its current filters) as .xlsx or .csv. Phone numbers are
    masked unless the user is an admin. A fixed number of queries, however many rows."""
    back = reverse("residents:household_list")
    form = HouseholdFilterForm(request.GET, community=request.community)
    file_format = chosen_format(request)
    errors = [] if file_format else [format_error()]
    if not form.is_valid():
        errors += [
            f"{form.fields[name].label}：{error}" if name in form.fields else error
            for name, field_errors in form.errors.items()
            for error in field_errors
        ]
    if errors:
        return refused(request, errors, back)

    full_phones = is_admin(request)
    households = filter_households(scoped(request, Household.objects.for_list()), form.cleaned_data)
    rows = household_rows(households, full_phones=full_phones)
    ascii_name, name = dated_names(
        "households", _("住户名册"), request.community.slug, timezone.localdate()
    )
    response = spreadsheet_response(
        file_format=file_format,
        tables=[Table(_("住户名册"), household_columns(), rows)],
        ascii_name=ascii_name,
        name=name,
    )
    # On record once the file is made (a failure leaves no record of a download).
    record_export(
        request,
        what="households",
        file_format=file_format,
        rows=len(rows),
        full_phones=full_phones,
        parameters=_conditions(form),
    )
    return response


@require_GET
@community_required(Role.ADMIN)
def export_log(request: HttpRequest) -> HttpResponse:
    """Who downloaded what and when, newest first (admins only)."""
    records = scoped(request, ExportRecord).select_related("user").order_by("-at", "-pk")
    page = Paginator(records, LOG_PAGE_SIZE).get_page(parsing.page_number(request.GET.get("page")))
    for record in page.object_list:
        record.label = EXPORT_KINDS.get(record.what, record.what)
        record.conditions = [
            (PARAMETER_LABELS.get(key, key), value)
            for key, value in (record.parameters or {}).items()
        ]
    return render(request, "residents/exports/export_log.html", {"page": page})
