"""The sub-district's roll-up (`/subdistrict/`): each community side by side for a quarter
or a year, built from the figures the apps contribute to the dashboard (residents.dashboard:
`compare()` asks every figure for all communities at once). Each figure's `measures` are
the table's columns; a figure added tomorrow (visits, needs) brings its columns with it.

The number of queries is the figures' own, whatever the number of communities: one
`compare()`, plus the communities themselves. The page reads the table from the cache,
computed at most every ROLLUP_SECONDS per sub-district and period (`cached_rollup`): at 20
communities and 50,000 households computing it takes about half a second on this machine,
reading it a few milliseconds (docs/scaling.md, bench/subdistrict.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from residents.dashboard import Measure, compare
from residents.models import Community
from residents.reporting import Period

# How long a computed roll-up is served before it is computed again.
ROLLUP_SECONDS = 600

# The chart's drawing box (SVG user units; it scales to the card's width).
CHART_WIDTH = 720
LABEL_WIDTH = 150
BAR_LEFT = LABEL_WIDTH + 10
BAR_RIGHT = CHART_WIDTH - 60
ROW_HEIGHT = 26
BAR_HEIGHT = 16
CHART_TOP = 10


@dataclass(frozen=True)
class Cell:
    value: Any
    percent: bool = False

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        if self.percent:
            return f"{self.value}%"
        if isinstance(self.value, Decimal):
            return f"{self.value:,.2f}"
        if isinstance(self.value, int):
            return f"{self.value:,}"
        return str(self.value)


@dataclass(frozen=True)
class Heading:
    label: str
    percent: bool


@dataclass
class Line:
    community: Community
    cells: list[Cell]


@dataclass
class Bar:
    label: str
    value: Any
    y: float
    width: float

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 3

    @property
    def value_x(self) -> float:
        return BAR_LEFT + self.width + 6


@dataclass
class Chart:
    title: str
    bars: list[Bar] = field(default_factory=list)
    width: int = CHART_WIDTH
    bar_left: int = BAR_LEFT
    bar_height: int = BAR_HEIGHT
    label_x: int = LABEL_WIDTH
    track_width: int = BAR_RIGHT - BAR_LEFT

    @property
    def height(self) -> int:
        return CHART_TOP * 2 + ROW_HEIGHT * len(self.bars) + 16

    @property
    def ticks(self) -> list[tuple[float, int]]:
        span = BAR_RIGHT - BAR_LEFT
        return [(BAR_LEFT + span * p / 100, p) for p in (0, 50, 100)]

    @property
    def axis_y(self) -> int:
        return CHART_TOP + ROW_HEIGHT * len(self.bars) + 12

    @property
    def plot_bottom(self) -> int:
        return CHART_TOP + ROW_HEIGHT * len(self.bars)


@dataclass
class Rollup:
    period: Period
    headings: list[Heading]
    lines: list[Line]
    total: list[Cell]
    chart: Chart | None
    computed_at: datetime.datetime | None = None


def _total_cell(measure: Measure, total: Any, cells: list[Cell]) -> Cell:
    """The total row: from the figure's own total when it adds up, else the sum of the
    communities' numbers (never for a share)."""
    if total is not None:
        return Cell(measure.read(total), measure.percent)
    if measure.percent:
        return Cell(None, True)
    numbers = [c.value for c in cells if c.value is not None]
    return Cell(sum(numbers) if numbers else None)


def rollup(*, communities: Sequence[Community], period: Period) -> Rollup:
    """The side-by-side table for `period` (a quarter or a whole year)."""
    communities = list(communities)
    headings: list[Heading] = []
    by_community: dict[int, list[Cell]] = {c.pk: [] for c in communities}
    total: list[Cell] = []
    for column in compare(communities=communities, quarter=period, measured=True):
        for measure in column.figure.measures:
            headings.append(Heading(str(measure.label), measure.percent))
            cells = []
            for community in communities:
                cell = Cell(measure.read(column.values[community.pk]), measure.percent)
                by_community[community.pk].append(cell)
                cells.append(cell)
            total.append(_total_cell(measure, column.total, cells))
    lines = [Line(c, by_community[c.pk]) for c in communities]
    return Rollup(period, headings, lines, total, _chart(headings, lines), timezone.now())


def cached_rollup(*, key: str, communities: Sequence[Community], period: Period) -> Rollup:
    """The roll-up as computed at most ROLLUP_SECONDS ago for this `key` (the sub-district)
    and period, else computed now. The communities' ids are part of the key, so a
    community joining or leaving the sub-district shows at once. The headings are words of
    the reader's language, so the language is part of the key too."""
    ids = ".".join(str(c.pk) for c in communities)
    cache_key = f"subdistrict-rollup:{key}:{period.param}:{ids}:{get_language()}"
    table = cache.get(cache_key)
    if table is None:
        table = rollup(communities=communities, period=period)
        cache.set(cache_key, table, ROLLUP_SECONDS)
    return table


def _chart(headings: list[Heading], lines: list[Line]) -> Chart | None:
    """Bars of the first share (the households taking part), one per community."""
    index = next((i for i, h in enumerate(headings) if h.percent), None)
    if index is None or not lines:
        return None
    chart = Chart(title=headings[index].label)
    span = BAR_RIGHT - BAR_LEFT
    for row, line in enumerate(lines):
        value = line.cells[index].value
        share = min(max(float(value or 0), 0.0), 100.0)
        chart.bars.append(
            Bar(
                label=line.community.name,
                value=line.cells[index].display,
                y=CHART_TOP + row * ROW_HEIGHT,
                width=round(span * share / 100, 1),
            )
        )
    return chart
