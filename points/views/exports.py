"""Points as spreadsheets: a household's ledger or the whole community's for a period, and
the standings of a quarter or year (the same figures as the standings page).

Every download is on record (`record_export`). None of these files has a phone number.
Each is a fixed number of queries, however many households or entries.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from points import selectors
from points.forms.standings import StandingsForm
from points.models import LedgerEntry
from points.selectors import Period
from residents import parsing
from residents.models import Compound, Household
from residents.spreadsheets import (
    CSV,
    DATE_FORMAT,
    DATETIME_FORMAT,
    Column,
    Table,
    chosen_format,
    format_error,
    record_export,
    refused,
    spreadsheet_response,
)
from residents.tenancy import REGISTER_ROLES, community_required, get_scoped_or_404, scoped

STANDINGS_PARTS = ("households", "members", "groups")
CHOOSE = "residents/exports/choose_period.html"


def _period_and_format(
    request: HttpRequest, back: str, title: str
) -> tuple[Period | None, str | None, HttpResponse | None]:
    """The period (`?period=2026Q4` or `2026`; the current quarter when absent) and the file
    format, or a 400 page saying what is wrong with them. Without `?format=` at all: a page
    to choose the period and the format (the link on the passbook page leads there)."""
    form = StandingsForm(request.GET, today=timezone.localdate())
    if "format" not in request.GET:
        form.fields["period"].widget.attrs.pop("data-autosubmit", None)
        context = {"form": form, "title": title, "back": back, "period": form.chosen()}
        return None, None, render(request, CHOOSE, context)
    file_format = chosen_format(request)
    errors = [] if file_format else [format_error()]
    if not form.is_valid():
        errors += form.errors["period"]
    if errors:
        return None, None, refused(request, errors, back)
    return form.cleaned_data["period"], file_format, None


def _ledger_columns() -> list[Column]:
    return [
        Column(_("编号"), 8),
        Column(_("记账日期"), 11, DATE_FORMAT),
        Column(_("存折编号"), 11),
        Column(_("住址"), 22),
        Column(_("类型"), 9),
        Column(_("积分"), 7),
        Column(_("余额"), 7),
        Column(_("居民"), 9),
        Column(_("积分类别"), 9),
        Column(_("活动"), 22),
        Column(_("活动日期"), 11, DATE_FORMAT),
        Column(_("计算方式"), 28),
        Column(_("原因"), 28),
        Column(_("冲正的记录"), 10),
        Column(_("经办人"), 10),
        Column(_("记账时间"), 17, DATETIME_FORMAT),
    ]


_LEDGER_FIELDS = (
    "pk",
    "occurred_on",
    "kind",
    "amount",
    "balance_after",
    "stream",
    "calculation",
    "reason",
    "reverses_id",
    "created_at",
    "member__name",
    "activity__title",
    "created_by__username",
    "created_by__first_name",
    "created_by__last_name",
    "account__household_id",
    "account__household__passbook_number",
    "account__household__building",
    "account__household__unit",
    "account__household__room",
    "account__household__compound__name",
)


def _ledger_rows(entries) -> list[list]:
    """Rows from plain values, not model instances: a year of a large community is tens of
    thousands of entries, and building seven objects per entry would be most of the time."""
    kinds = {value: str(label) for value, label in LedgerEntry.Kind.choices}
    streams = {value: str(label) for value, label in LedgerEntry.Stream.choices}
    addresses: dict[int, str] = {}
    rows = []
    for entry in entries.values(*_LEDGER_FIELDS):
        household_id = entry["account__household_id"]
        if household_id not in addresses:
            addresses[household_id] = Household(
                compound=Compound(name=entry["account__household__compound__name"]),
                building=entry["account__household__building"],
                unit=entry["account__household__unit"],
                room=entry["account__household__room"],
            ).address
        clerk = " ".join(
            part
            for part in (entry["created_by__first_name"], entry["created_by__last_name"])
            if part
        )
        rows.append(
            [
                entry["pk"],
                timezone.localdate(entry["created_at"]),
                entry["account__household__passbook_number"],
                addresses[household_id],
                kinds.get(entry["kind"], entry["kind"]),
                entry["amount"],
                entry["balance_after"],
                entry["member__name"] or "",
                streams.get(entry["stream"], "") if entry["kind"] == LedgerEntry.Kind.EARN else "",
                entry["activity__title"] or "",
                entry["occurred_on"] if entry["activity__title"] else None,
                entry["calculation"],
                entry["reason"],
                entry["reverses_id"],
                clerk or entry["created_by__username"],
                entry["created_at"],
            ]
        )
    return rows


def _entries(request: HttpRequest, period: Period):
    """Entries posted in the period, in the order they were written, as the passbook lists
    them: the dates and each household's balance read down the file together (an activity's
    own date is a column of its own)."""
    return scoped(request, LedgerEntry).posted_within(period.start, period.end).order_by("pk")


def _ledger_download(
    request: HttpRequest,
    *,
    entries,
    period: Period,
    file_format: str,
    what: str,
    parameters: dict,
    ascii_stem: str,
    stem: str,
) -> HttpResponse:
    rows = _ledger_rows(entries)
    response = spreadsheet_response(
        file_format=file_format,
        tables=[Table(_("积分明细"), _ledger_columns(), rows)],
        ascii_name=f"{ascii_stem}-{period.param}",
        name=f"{stem}-{period.label}",
    )
    record_export(
        request, what=what, file_format=file_format, rows=len(rows), parameters=parameters
    )
    return response


@require_GET
@community_required(*REGISTER_ROLES)
def household_ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One household's passbook entries for a period."""
    household = get_scoped_or_404(request, Household, pk=pk)
    back = reverse("points:household_ledger", args=[household.pk])
    title = _("导出 %(number)s 的积分明细") % {"number": household.passbook_number}
    period, file_format, error = _period_and_format(request, back, title)
    if error:
        return error
    return _ledger_download(
        request,
        entries=_entries(request, period).filter(account__household=household),
        period=period,
        file_format=file_format,
        what="household_ledger",
        parameters={"household": household.passbook_number, "period": period.param},
        ascii_stem=f"ledger-{household.passbook_number}",
        stem=_("积分明细-%(number)s") % {"number": household.passbook_number},
    )


@require_GET
@community_required(*REGISTER_ROLES)
def ledger_export(request: HttpRequest) -> HttpResponse:
    """Every entry of the community for a period."""
    period, file_format, error = _period_and_format(
        request, reverse("points:standings"), _("导出全居民区积分明细")
    )
    if error:
        return error
    return _ledger_download(
        request,
        entries=_entries(request, period),
        period=period,
        file_format=file_format,
        what="ledger",
        parameters={"period": period.param},
        ascii_stem=f"ledger-{request.community.slug}",
        stem=_("积分明细-%(community)s") % {"community": request.community.name},
    )


def _standings_tables(result: selectors.Standings) -> dict[str, Table]:
    households = Table(
        _("家庭排行"),
        [
            Column(_("名次"), 6),
            Column(_("存折编号"), 11),
            Column(_("住址"), 22),
            Column(_("楼组"), 11),
            Column(_("家庭成员"), 20),
            Column(_("本期积分"), 9),
            Column(_("当前余额"), 9),
        ],
        [
            [
                row.rank,
                row.household.passbook_number,
                row.household.address,
                row.household.building_group.name if row.household.building_group else "",
                "、".join(row.names),
                row.points,
                row.balance,
            ]
            for row in result.households
        ],
    )
    members = Table(
        _("居民排行"),
        [
            Column(_("名次"), 6),
            Column(_("姓名"), 10),
            Column(_("存折编号"), 11),
            Column(_("住址"), 22),
            Column(_("基础分"), 8),
            Column(_("增值分"), 8),
            Column(_("合计"), 8),
        ],
        [
            [
                row.rank,
                row.member.name,
                row.member.household.passbook_number,
                row.member.household.address,
                row.base,
                row.value_added,
                row.total,
            ]
            for row in result.members
        ],
    )
    groups = Table(
        _("楼组排行"),
        [
            Column(_("名次"), 6),
            Column(_("楼组"), 12),
            Column(_("小区"), 14),
            Column(_("本期积分"), 9),
            Column(_("参与户"), 8),
            Column(_("户数"), 8),
            Column(_("参与率（%）"), 10),
            Column(_("星级楼组"), 16),
        ],
        [
            [
                row.rank,
                row.group.name,
                row.group.compound.name if row.group.compound else "",
                row.points,
                row.taking_part,
                row.households,
                row.participation_percent,
                str(row.star.label) if row.star else "",
            ]
            for row in result.groups
        ],
    )
    return {"households": households, "members": members, "groups": groups}


@require_GET
@community_required(*REGISTER_ROLES)
def standings_export(request: HttpRequest) -> HttpResponse:
    """The standings of a period, every rank (the page shows the top 50): as a workbook with
    one sheet per ranking, or one ranking as CSV (`?part=households|members|groups`)."""
    period, file_format, error = _period_and_format(
        request, reverse("points:standings"), _("导出积分排行")
    )
    if error:
        return error
    part = parsing.choice(request.GET.get("part", "households"), STANDINGS_PARTS)
    if part is None:
        return refused(request, [_("排行只能是家庭、居民或楼组。")], reverse("points:standings"))
    result = selectors.standings(community=request.community, period=period, limit=None)
    tables = _standings_tables(result)
    chosen = [tables[part]] if file_format == CSV else list(tables.values())
    suffix = f"-{part}" if file_format == CSV else ""
    name_suffix = f"-{tables[part].title}" if file_format == CSV else ""
    response = spreadsheet_response(
        file_format=file_format,
        tables=chosen,
        ascii_name=f"standings{suffix}-{request.community.slug}-{period.param}",
        name=_("积分排行%(part)s-%(period)s") % {"part": name_suffix, "period": period.label},
    )
    record_export(
        request,
        what="standings",
        file_format=file_format,
        rows=sum(len(table.rows) for table in chosen),
        parameters={"period": period.param}
        | ({"part": tables[part].title} if file_format == CSV else {}),
    )
    return response
