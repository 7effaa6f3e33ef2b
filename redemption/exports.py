"""Settlement downloads: the Excel workbook (汇总 / 物品 / 配货单) and the CSV files.

Pure functions of a Settlement (redemption.selectors.settlement) and the pick list rows:
no queries here, so a download costs what the page costs. Residents' phone numbers are
never part of a settlement. The files are written by residents.spreadsheets, which keeps
text that looks like a formula (a reward named "=1+2") as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _

from redemption.models import RedemptionLine, Round
from redemption.selectors import Settlement
from residents.spreadsheets import YUAN_FORMAT, Column, Table, csv_bytes, workbook_bytes

CENTS = Decimal("0.01")


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


def _yuan(value: Decimal) -> Decimal:
    """Yuan with two decimals, a number in both formats (12.50, not 12.5)."""
    return value.quantize(CENTS)


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


# The tables: the writer (residents.spreadsheets) makes the files -------------------------


def _pick_table(rows: Iterable[PickRow]) -> Table:
    widths = [20, 12, 28, 16, 8, 8, 9, 12]
    columns = [Column(header, width) for header, width in zip(_pick_headers(), widths, strict=True)]
    columns[-1] = Column(columns[-1].header, widths[-1], YUAN_FORMAT)
    return Table(
        _("配货单"),
        columns,
        [
            [
                row.number,
                row.passbook_number,
                row.address,
                row.item,
                row.unit,
                row.quantity,
                row.points,
                _yuan(row.yuan),
            ]
            for row in rows
        ],
    )


def _items_table(report: Settlement) -> Table:
    widths = [18, 8, 11, 11, 9, 9, 9, 11, 13]
    money = {3, 8}
    columns = [
        Column(header, width, YUAN_FORMAT if index in money else None)
        for index, (header, width) in enumerate(zip(_item_headers(), widths, strict=True))
    ]
    rows: list[list[object]] = [
        [
            summary.item.reward.name,
            summary.item.reward.unit,
            summary.item.point_price,
            _yuan(summary.item.cost_yuan),
            summary.item.stock,
            summary.quantity,
            summary.remaining,
            summary.points,
            _yuan(summary.yuan),
        ]
        for summary in report.items
    ]
    rows.append(
        [
            _("合计"),
            None,
            None,
            None,
            None,
            report.quantity,
            None,
            report.points,
            _yuan(report.yuan),
        ]
    )
    return Table(_("物品"), columns, rows, bold_last_row=True)


def pick_list_csv(rows: Iterable[PickRow]) -> bytes:
    return csv_bytes(_pick_table(rows))


def items_csv(report: Settlement) -> bytes:
    return csv_bytes(_items_table(report))


def settlement_workbook(report: Settlement, rows: Sequence[PickRow], *, community: str) -> bytes:
    """Three sheets: 汇总 (the figures), 物品 (per item) and 配货单 (the pick list)."""
    summary = Table(
        _("汇总"),
        [Column(_("项目"), 22, bold=True), Column(_("内容"), 40)],
        [
            [label, _yuan(value) if isinstance(value, Decimal) else value]
            for label, value in summary_rows(report)
        ],
        heading=_("%(community)s %(round)s兑换结算")
        % {"community": community, "round": report.round.name},
        header=False,
    )
    return workbook_bytes([summary, _items_table(report), _pick_table(rows)])


# Download names --------------------------------------------------------------------------


def attachment(ascii_name: str, name: str) -> str:
    """A Content-Disposition value with a plain ASCII name for old clients and the
    Chinese one (RFC 6266 / 5987) for everyone else."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
