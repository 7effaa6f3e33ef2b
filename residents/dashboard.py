"""The figures of the staff dashboard (工作概览), contributed by the apps that own their data.

Residents names no later app: each app registers its figures in its `AppConfig.ready()`

    dashboard_figures.register(
        Figure(name="points.points", order=10, place=Place.HEADLINE,
               template="points/dashboard/includes/_points.html", values=points)
    )

and a figure's contract is *its values for these communities in this quarter*:
`values(communities=[ids], quarter=Period)` returns {community id: value} with a value for
every community asked (an empty one where there is no data), from one query (or a fixed
few) grouped by community, never one per community. A community's own page (at
/dashboard/, redemption's view) asks for one community (`dashboard()`); the coming
sub-district (街道) page asks every figure for all its communities at once (`compare()`)
and shows them side by side with the figure's total.

Where a figure shows on the page (`place`):
- HEADLINE: one or more cards among the figures at the top, usually this quarter's and
  this year's number (a `QuarterAndYear` value), with a line of definitions under them;
- HALF: a card beside the next HALF one (two side by side on a wide screen and on A4);
- FULL: a card across the page.
Its template is given its value as `value` (and the page's `dash`).

A figure that has numbers to set side by side names them (`measures`): the sub-district's
table shows one column per measure, a community per row and the total below, and its
download has the same columns. A measure reads its number from the figure's value for the
period asked (the sub-district page passes a quarter or a whole year as `quarter`; a
`QuarterAndYear` value then holds that period in `.quarter`).
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from residents.models import Community
from residents.registry import OrderedRegistry
from residents.reporting import Period, quarter_of

V = TypeVar("V")


class Place(StrEnum):
    HEADLINE = "headline"
    HALF = "half"
    FULL = "full"


def _add(values: list) -> Any:
    return functools.reduce(operator.add, values)


@dataclass(frozen=True)
class Measure:
    """One number of a figure in the sub-district's side-by-side table."""

    label: str
    # read(value) -> int | Decimal | None, from a community's value or the figure's total
    read: Callable[[Any], Any]
    # A share in per cent: never added up (the total row reads it from the figure's total).
    percent: bool = False


@dataclass(frozen=True)
class Figure:
    """One thing the dashboard shows, for any number of communities."""

    name: str  # "<app>.<what>", unique
    order: int  # smallest first, within the whole page
    place: Place
    template: str
    # values(*, communities: Sequence[int], quarter: Period) -> {community id: value}
    values: Callable[..., Mapping[int, Any]]
    # HEADLINE figures: what the numbers count, in a sentence under the cards.
    note: str = ""
    # Names people (even masked): a community's own staff may see it, a roll-up never.
    personal: bool = False
    # Many communities' values as one (a sub-district's total); None: not added up.
    total: Callable[[list], Any] | None = _add
    # Its numbers in the sub-district's table (see Measure), in order.
    measures: tuple[Measure, ...] = ()


class DashboardFigures(OrderedRegistry[Figure]):
    """The registry of figures, in the order the page shows them."""

    def values(
        self,
        *,
        communities: Sequence[Community | int],
        quarter: Period,
        personal: bool = True,
        wanted: Callable[[Figure], bool] | None = None,
    ) -> list[tuple[Figure, Mapping[int, Any]]]:
        """Every figure (the personal ones only if asked; only those `wanted` if given)
        with its values by community."""
        ids = [c if isinstance(c, int) else c.pk for c in communities]
        return [
            (figure, figure.values(communities=ids, quarter=quarter))
            for figure in self
            if (personal or not figure.personal) and (wanted is None or wanted(figure))
        ]


dashboard_figures = DashboardFigures()


@dataclass(frozen=True)
class QuarterAndYear(Generic[V]):
    """A HEADLINE figure's value: this quarter's and this year's."""

    quarter: V
    year: V

    def __add__(self, other: QuarterAndYear[V]) -> QuarterAndYear[V]:
        return QuarterAndYear(self.quarter + other.quarter, self.year + other.year)


def percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def thousands(number: int) -> str:
    # Written 2,638 as in the committees' reports (zh-Hans formats would print 2638).
    return f"{number:,}"


# -- One community's page ------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    figure: Figure
    value: Any


@dataclass(frozen=True)
class Row:
    """Cards shown together: HALF ones side by side (`grid`), else one across the page."""

    parts: list[Shown]
    grid: bool = False


class PeriodFigures:
    """One period's numbers of every HEADLINE figure, by name: `board.quarter.earned` is the
    `earned` of whichever figure counts it, so callers need not know which app does."""

    def __init__(self, period: Period, parts: list) -> None:
        self.period = period
        self._parts = parts

    def __getattr__(self, name: str) -> Any:
        for part in self._parts:
            if hasattr(part, name):
                return getattr(part, name)
        raise AttributeError(name)


@dataclass
class Board:
    """A community's dashboard: each registered figure's value for it, in order."""

    today: datetime.date
    quarter_period: Period
    shown: list[Shown] = field(default_factory=list)

    @property
    def headline(self) -> list[Shown]:
        return [s for s in self.shown if s.figure.place == Place.HEADLINE]

    @property
    def notes(self) -> list[str]:
        return [str(s.figure.note) for s in self.headline if s.figure.note]

    @property
    def rows(self) -> list[Row]:
        rows: list[Row] = []
        halves: list[Shown] = []
        for shown in self.shown:
            if shown.figure.place == Place.HEADLINE:
                continue
            if shown.figure.place == Place.HALF:
                halves.append(shown)
                if len(halves) == 2:
                    rows.append(Row(halves, grid=True))
                    halves = []
                continue
            if halves:
                rows.append(Row(halves))
                halves = []
            rows.append(Row([shown]))
        if halves:
            rows.append(Row(halves))
        return rows

    @property
    def quarter(self) -> PeriodFigures:
        return PeriodFigures(self.quarter_period, self._periods("quarter"))

    @property
    def year(self) -> PeriodFigures:
        return PeriodFigures(self.quarter_period.whole_year, self._periods("year"))

    def _periods(self, which: str) -> list:
        return [
            getattr(s.value, which) for s in self.headline if isinstance(s.value, QuarterAndYear)
        ]

    def __getattr__(self, name: str) -> Any:
        """A figure's part by name (`board.months`, `board.savers`), as for the periods."""
        if name.startswith("_"):
            raise AttributeError(name)
        for shown in self.shown:
            if hasattr(shown.value, name):
                return getattr(shown.value, name)
        raise AttributeError(name)


def dashboard(*, community: Community, today: datetime.date, personal: bool = True) -> Board:
    """Everything the community's dashboard shows for the quarter of `today` and its year:
    one query (or a fixed few) per figure, whatever the size of the community. Without
    `personal`, the figures that name people are left out (the sub-district's read-only
    view of a community)."""
    quarter = quarter_of(today)
    board = Board(today=today, quarter_period=quarter)
    for figure, values in dashboard_figures.values(
        communities=[community], quarter=quarter, personal=personal
    ):
        board.shown.append(Shown(figure, values[community.pk]))
    return board


# -- Many communities -----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A figure for many communities: each one's value and, if it adds up, the total."""

    figure: Figure
    values: dict[int, Any]
    total: Any = None


def compare(
    *, communities: Iterable[Community | int], quarter: Period, measured: bool = False
) -> list[Column]:
    """Every figure that names no person, for all `communities` at once (a sub-district's
    side-by-side page): the same queries as one community's page, never one per community.
    With `measured`, only the figures that name measures (the side-by-side table's)."""
    communities = list(communities)
    columns = []
    for figure, values in dashboard_figures.values(
        communities=communities,
        quarter=quarter,
        personal=False,
        wanted=(lambda figure: bool(figure.measures)) if measured else None,
    ):
        by_community = dict(values)
        total = figure.total(list(by_community.values())) if figure.total and values else None
        columns.append(Column(figure, by_community, total))
    return columns
