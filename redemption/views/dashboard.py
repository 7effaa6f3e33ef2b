"""The staff home page (工作概览): this quarter and this year at a glance, with charts drawn
as inline SVG on the server (no chart library, prints as it shows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from redemption import dashboard as reads
from residents.tenancy import REGISTER_ROLES, community_required
from volunteering.selectors import claim_rates

# The month chart's drawing box (SVG user units; it scales to the card's width).
CHART_WIDTH = 360
CHART_HEIGHT = 200
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 30, 356, 14, 170
BAR_WIDTH = 10


def _nice_ceiling(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value` (and at least 10)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return max(factor * step, 10)
        step *= 10


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


def month_chart(result: reads.Dashboard) -> dict:
    """Bar geometry for points earned and redeemed in each month of the year."""
    top = _nice_ceiling(max(max(m.earned, m.redeemed) for m in result.months))
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(result.months)
    plot_height = PLOT_BOTTOM - PLOT_TOP

    def bar(x: float, value: int) -> Bar:
        height = round(plot_height * max(value, 0) / top, 1)
        return Bar(x=round(x, 1), y=round(PLOT_BOTTOM - height, 1), height=height, value=value)

    columns = []
    for index, month in enumerate(result.months):
        left = PLOT_LEFT + index * slot
        middle = left + slot / 2
        columns.append(
            MonthColumn(
                month=month.start.month,
                label_x=round(middle, 1),
                slot_x=round(left, 1),
                in_quarter=result.quarter.period.start <= month.start <= result.quarter.period.end,
                earned=bar(middle - BAR_WIDTH - 1, month.earned),
                redeemed=bar(middle + 1, month.redeemed),
            )
        )
    quarter = [column for column in columns if column.in_quarter]
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
            "x": quarter[0].slot_x,
            "y": PLOT_TOP,
            "width": round(slot * len(quarter), 1),
            "height": plot_height,
        },
        "bar_width": BAR_WIDTH,
        "label_y": PLOT_BOTTOM + 18,
        "columns": columns,
    }


@require_GET
@community_required(*REGISTER_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    result = reads.dashboard(community=request.community, today=timezone.localdate())
    return render(
        request,
        "redemption/dashboard/dashboard.html",
        {
            "dash": result,
            "chart": month_chart(result),
            "rates": claim_rates(request),
            "star_groups": reads.STAR_GROUPS,
            "star_min_households": reads.STAR_MIN_HOUSEHOLDS,
            "top_savers": reads.TOP_SAVERS,
        },
    )
