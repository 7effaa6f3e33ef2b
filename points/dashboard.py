"""Points' figures on the staff dashboard (residents.dashboard), registered in
PointsConfig.ready():

- points earned: earn entries net of their reversals; points redeemed: redeem entries net
  of the reversals of cancelled redemptions (both by the date the points belong to, as in
  the standings). Adjustments and expiries are neither;
- the year by month: points earned and redeemed, and activities held, drawn as an SVG
  chart on the server (no chart library, prints as it shows);
- top savers: the largest balances of households in residence, names masked.
Each is one or two aggregate queries grouped by community, whatever the number of
communities or their size.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Prefetch, Q, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from points.models import Account, MonthTally
from points.selectors import mask_name
from residents.dashboard import Figure, Measure, Place, QuarterAndYear, thousands
from residents.models import Household, Member
from residents.reporting import Period
from volunteering.models import Activity

TOP_SAVERS = 5
_ZERO = Value(0, output_field=IntegerField())

# -- Points earned and redeemed --------------------------------------------------------------


@dataclass(frozen=True)
class Points:
    earned: int = 0
    redeemed: int = 0

    @property
    def earned_display(self) -> str:
        return thousands(self.earned)

    @property
    def redeemed_display(self) -> str:
        return thousands(self.redeemed)

    def __add__(self, other: Points) -> Points:
        return Points(self.earned + other.earned, self.redeemed + other.redeemed)


def _tallies_in(communities: Sequence[int], period: Period):
    """The communities' monthly totals (kept by the ledger) of the months in `period`."""
    return MonthTally.objects.filter(
        community_id__in=communities, month__gte=period.start, month__lte=period.end
    )


def points(*, communities: Sequence[int], quarter: Period) -> dict[int, QuarterAndYear[Points]]:
    """One query, over the monthly totals the ledger keeps (twelve rows a community)."""
    in_quarter = Q(month__gte=quarter.start, month__lte=quarter.end)
    rows = {
        row["community_id"]: row
        for row in _tallies_in(communities, quarter.whole_year)
        .values("community_id")
        .annotate(
            earned_year=Sum("earned"),
            earned_quarter=Coalesce(Sum("earned", filter=in_quarter), _ZERO),
            redeemed_year=Sum("redeemed"),
            redeemed_quarter=Coalesce(Sum("redeemed", filter=in_quarter), _ZERO),
        )
        .order_by()
    }
    values = {}
    for community in communities:
        row = rows.get(community, {})
        values[community] = QuarterAndYear(
            quarter=Points(row.get("earned_quarter", 0), row.get("redeemed_quarter", 0)),
            year=Points(row.get("earned_year", 0), row.get("redeemed_year", 0)),
        )
    return values


# -- The year by month -----------------------------------------------------------------------

# The month chart's drawing box (SVG user units; it scales to the card's width).
CHART_WIDTH = 360
CHART_HEIGHT = 200
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 30, 356, 14, 170
BAR_WIDTH = 10


@dataclass
class Month:
    """One month of the year's chart."""

    start: datetime.date
    earned: int = 0
    redeemed: int = 0
    activities: int = 0


@dataclass
class Bar:
    x: float
    y: float
    height: float
    value: int


@dataclass
class MonthColumn:
    month: int
    label_x: float
    slot_x: float
    in_quarter: bool
    earned: Bar
    redeemed: Bar


@dataclass
class Months:
    """A community's year by month, the quarter shaded."""

    quarter: Period
    months: list[Month] = field(default_factory=list)

    @property
    def year(self) -> Period:
        return self.quarter.whole_year

    @property
    def chart(self) -> dict:
        return month_chart(self.months, self.quarter)


def _nice_ceiling(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 10)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return max(factor * step, 10)
        step *= 10


def month_chart(months: list[Month], quarter: Period) -> dict:
    """Bar geometry for points earned and redeemed in each month of the year."""
    top = _nice_ceiling(max(max(m.earned, m.redeemed) for m in months))
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(months)
    plot_height = PLOT_BOTTOM - PLOT_TOP

    def bar(x: float, value: int) -> Bar:
        height = round(plot_height * max(value, 0) / top, 1)
        return Bar(x=round(x, 1), y=round(PLOT_BOTTOM - height, 1), height=height, value=value)

    columns = []
    for index, month in enumerate(months):
        left = PLOT_LEFT + index * slot
        middle = left + slot / 2
        columns.append(
            MonthColumn(
                month=month.start.month,
                label_x=round(middle, 1),
                slot_x=round(left, 1),
                in_quarter=quarter.start <= month.start <= quarter.end,
                earned=bar(middle - BAR_WIDTH - 1, month.earned),
                redeemed=bar(middle + 1, month.redeemed),
            )
        )
    in_quarter = [column for column in columns if column.in_quarter]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PLOT_LEFT,
        "right": PLOT_RIGHT,
        "bottom": PLOT_BOTTOM,
        # Gridlines with their values: the top of the axis, half-way, and zero.
        "ticks": [
            (PLOT_TOP, top),
            ((PLOT_TOP + PLOT_BOTTOM) / 2, top // 2),
            (PLOT_BOTTOM, 0),
        ],
        "tick_x": PLOT_LEFT - 4,
        # The current quarter's months, shaded.
        "band": {
            "x": in_quarter[0].slot_x,
            "y": PLOT_TOP,
            "width": round(slot * len(in_quarter), 1),
            "height": plot_height,
        },
        "bar_width": BAR_WIDTH,
        "label_y": PLOT_BOTTOM + 18,
        "columns": columns,
    }


def months(*, communities: Sequence[int], quarter: Period) -> dict[int, Months]:
    """Points earned and redeemed, and activities held, per month of the year. Two queries."""
    year = quarter.whole_year
    values = {
        community: Months(
            quarter=quarter,
            months=[Month(start=datetime.date(year.year, n, 1)) for n in range(1, 13)],
        )
        for community in communities
    }
    for tally in _tallies_in(communities, year):
        month = values[tally.community_id].months[tally.month.month - 1]
        month.earned, month.redeemed = tally.earned, tally.redeemed
    activities = (
        Activity.objects.filter(
            community_id__in=communities, date__gte=year.start, date__lte=year.end
        )
        .annotate(month=TruncMonth("date"))
        .values("community_id", "month")
        .annotate(held=Count("pk"))
        .order_by()
    )
    for row in activities:
        values[row["community_id"]].months[row["month"].month - 1].activities = row["held"]
    return values


def _total_months(values: list[Months]) -> Months:
    total = Months(quarter=values[0].quarter)
    for index, first in enumerate(values[0].months):
        total.months.append(
            Month(
                start=first.start,
                earned=sum(v.months[index].earned for v in values),
                redeemed=sum(v.months[index].redeemed for v in values),
                activities=sum(v.months[index].activities for v in values),
            )
        )
    return total


# -- Top savers ------------------------------------------------------------------------------


@dataclass
class Saver:
    rank: int
    names: list[str]
    balance: int

    @property
    def balance_display(self) -> str:
        return thousands(self.balance)


@dataclass
class Savers:
    savers: list[Saver] = field(default_factory=list)
    limit = TOP_SAVERS


def savers(*, communities: Sequence[int], quarter: Period | None = None) -> dict[int, Savers]:
    """The largest balances of households in residence, now (equal balances in the order
    the passbooks were opened). Two queries: each community's top accounts walk the index on
    (community, balance, id) from the top and stop after five in residence, never sorting
    every account — even when a round's cap leaves every balance the same."""
    top = RawSQL(
        """
        SELECT top.id FROM unnest(%s::bigint[]) AS c(id)
        CROSS JOIN LATERAL (
            SELECT a.id FROM points_account a
            JOIN residents_household h ON h.id = a.household_id AND h.status = %s
            WHERE a.community_id = c.id AND a.balance > 0
            ORDER BY a.balance DESC, a.id
            LIMIT %s
        ) AS top
        """,
        [list(communities), Household.Status.ACTIVE, TOP_SAVERS],
    )
    accounts = (
        Account.objects.filter(pk__in=top)
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "household__members",
                queryset=Member.objects.filter(is_active=True).order_by("position", "id"),
                to_attr="current_members",
            )
        )
        .order_by("community_id", "-balance", "pk")
    )
    by_community: dict[int, list[Account]] = defaultdict(list)
    for account in accounts:
        by_community[account.community_id].append(account)
    values = {}
    for community in communities:
        found, rank, previous = [], 0, None
        for position, account in enumerate(by_community[community], start=1):
            if account.balance != previous:
                rank, previous = position, account.balance
            names = [mask_name(member.name) for member in account.household.current_members]
            found.append(Saver(rank=rank, names=names, balance=account.balance))
        values[community] = Savers(found)
    return values


FIGURES = [
    Figure(
        name="points.points",
        order=10,
        place=Place.HEADLINE,
        template="points/dashboard/includes/_points.html",
        values=points,
        measures=(
            Measure(_("获得积分"), lambda v: v.quarter.earned),
            Measure(_("兑换积分"), lambda v: v.quarter.redeemed),
        ),
        note=_(
            "获得积分：审核通过的服务积分，已扣除撤销；兑换积分：兑换扣除的积分，已扣除取消的"
            "兑换；均按积分所属日期统计。"
        ),
    ),
    Figure(
        name="points.months",
        order=50,
        place=Place.HALF,
        template="points/dashboard/includes/_months.html",
        values=months,
        total=_total_months,
    ),
    Figure(
        name="points.savers",
        order=80,
        place=Place.FULL,
        template="points/dashboard/includes/_savers.html",
        values=savers,
        personal=True,
        total=None,
    ),
]
