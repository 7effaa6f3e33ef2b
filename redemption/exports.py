"""Settlement downloads: the Excel workbook (汇总 / 物品 / 配货单) and the CSV files.

Pure functions of a Settlement (redemption.selectors.settlement) and the pick list rows:
no queries here, so a download costs what the page costs. Residents' phone numbers are
never part of a settlement.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from redemption.models import RedemptionLine, Round
from redemption.selectors import Settlement

YUAN_FORMAT = "0.00"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
HEADER_FILL = PatternFill("solid", fgColor="EEF0EC")
# A leading =, +, - or @ makes Excel read a text cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class PickRow:
    """One line of the pick list (配货单): so many of an item for one receipt."""

    household_id: int
    number: str
    passbook_number: str
    address: str
    item: str
    unit: str
    quantity: int
    points: int
    yuan: Decimal


def pick_rows(lines: Iterable[RedemptionLine]) -> list[PickRow]:
    """Rows from redemption.selectors.pick_list (its select_related makes this free)."""
    rows = []
    for line in lines:
        household = line.redemption.household
        rows.append(
            PickRow(
                household_id=household.pk,
                number=line.redemption.number,
                passbook_number=household.passbook_number,
                address=household.address,
                item=line.item.reward.name,
                unit=line.item.reward.unit,
                quantity=line.quantity,
                points=line.points,
                yuan=line.yuan,
            )
        )
    return rows


def _text(value: str) -> str:
    """Text as text in a spreadsheet, never as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


def _date(day: datetime.date | None) -> str:
    if day is None:
        return ""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": day.year, "m": day.month, "d": day.day}


# Column headers --------------------------------------------------------------------------


def _pick_headers() -> list[str]:
    return [
        _("兑换单号"),
        _("存折编号"),
        _("地址"),
        _("物品"),
        _("单位"),
        _("数量"),
        _("积分"),
        _("金额（元）"),
    ]


def _item_headers() -> list[str]:
    return [
        _("物品"),
        _("单位"),
        _("单价（分）"),
        _("成本（元）"),
        _("库存"),
        _("已兑换"),
        _("剩余"),
        _("积分"),
        _("金额（元）"),
    ]


def _status(round_: Round) -> str:
    return str(round_.get_status_display())


def summary_rows(report: Settlement) -> list[tuple[str, object]]:
    """The figures of the summary (汇总), label and value; yuan as Decimal."""
    round_ = report.round
    rows: list[tuple[str, object]] = [
        (_("兑换期"), round_.name),
        (_("编号"), round_.code),
        (_("开始日期"), round_.opens_on),
        (_("截止日期"), round_.closes_on),
        (_("状态"), _status(round_)),
        (_("预算（元）"), round_.budget_yuan),
        (_("已用（元）"), report.yuan),
        (_("预算剩余（元）"), report.budget_left),
        (_("兑换户数"), report.households),
        (_("兑换单数"), report.redemptions),
        (_("已取消的兑换单"), report.cancelled),
        (_("兑出物品件数"), report.quantity),
        (_("兑换积分"), report.points),
        (_("结账时积分怎么办"), round_.policy_label),
    ]
    if round_.status == Round.Status.CLOSED:
        rows += [
            (_("结账日期"), timezone.localdate(round_.closed_at) if round_.closed_at else None),
            (_("清零户数"), round_.expired_households),
            (_("清零积分"), round_.expired_points),
        ]
    return rows


# CSV -------------------------------------------------------------------------------------


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM, which Excel in China needs to read the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def pick_list_csv(rows: Iterable[PickRow]) -> bytes:
    return _csv(
        [
            _pick_headers(),
            *(
                [
                    _text(row.number),
                    _text(row.passbook_number),
                    _text(row.address),
                    _text(row.item),
                    _text(row.unit),
                    row.quantity,
                    row.points,
                    _yuan(row.yuan),
                ]
                for row in rows
            ),
        ]
    )


def items_csv(report: Settlement) -> bytes:
    rows: list[list[object]] = [_item_headers()]
    for summary in report.items:
        item = summary.item
        rows.append(
            [
                _text(item.reward.name),
                _text(item.reward.unit),
                item.point_price,
                _yuan(item.cost_yuan),
                item.stock,
                summary.quantity,
                summary.remaining,
                summary.points,
                _yuan(summary.yuan),
            ]
        )
    rows.append([_("合计"), "", "", "", "", report.quantity, "", report.points, _yuan(report.yuan)])
    return _csv(rows)


# Excel -----------------------------------------------------------------------------------


def _put(sheet: Worksheet, row: int, column: int, value: object):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever it starts with
    elif isinstance(value, Decimal):
        cell.value = value
        cell.number_format = YUAN_FORMAT
    elif isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value
    return cell


def _table(
    sheet: Worksheet, headers: list[str], rows: Iterable[Sequence[object]], widths: list[int]
) -> int:
    """Header row in bold, frozen; returns the number of the last row written."""
    for column, header in enumerate(headers, start=1):
        cell = _put(sheet, 1, column, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    last = 1
    for last, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _put(sheet, last, column, value)
    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    return last


def settlement_workbook(report: Settlement, rows: Sequence[PickRow], *, community: str) -> bytes:
    """Three sheets: 汇总 (the figures), 物品 (per item) and 配货单 (the pick list)."""
    book = Workbook()
    summary = book.active
    summary.title = _("汇总")
    round_ = report.round
    title = _put(
        summary,
        1,
        1,
        _("%(community)s %(round)s兑换结算")
        % {
            "community": community,
            "round": round_.name,
        },
    )
    title.font = Font(bold=True, size=14)
    for row, (label, value) in enumerate(summary_rows(report), start=3):
        _put(summary, row, 1, label).font = Font(bold=True)
        cell = _put(summary, row, 2, value)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            cell.alignment = Alignment(horizontal="right")
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 40

    items = book.create_sheet(_("物品"))
    item_rows = [
        [
            summary_item.item.reward.name,
            summary_item.item.reward.unit,
            summary_item.item.point_price,
            summary_item.item.cost_yuan,
            summary_item.item.stock,
            summary_item.quantity,
            summary_item.remaining,
            summary_item.points,
            summary_item.yuan,
        ]
        for summary_item in report.items
    ]
    total = [_("合计"), None, None, None, None, report.quantity, None, report.points, report.yuan]
    last = _table(items, _item_headers(), [*item_rows, total], [18, 8, 11, 11, 9, 9, 9, 11, 13])
    for column in range(1, 10):
        items.cell(row=last, column=column).font = Font(bold=True)

    picks = book.create_sheet(_("配货单"))
    _table(
        picks,
        _pick_headers(),
        (
            [
                row.number,
                row.passbook_number,
                row.address,
                row.item,
                row.unit,
                row.quantity,
                row.points,
                row.yuan,
            ]
            for row in rows
        ),
        [20, 12, 28, 16, 8, 8, 9, 12],
    )

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Download names --------------------------------------------------------------------------


def attachment(ascii_name: str, name: str) -> str:
    """A Content-Disposition value with a plain ASCII name for old clients and the
    Chinese one (RFC 6266 / 5987) for everyone else."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
