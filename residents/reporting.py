"""How the committees' reports count, for every app's pages and figures: quarters and
years (`Period`, calendar dates in the community's time zone, both ends included) and
ranks with ties."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext as _


def _quarter_names() -> dict[int, str]:
    return {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}


@dataclass(frozen=True)
class Period:
    """A quarter (quarter 1–4) or a whole year (quarter None); both ends included."""

    year: int
    quarter: int | None = None

    @property
    def start(self) -> datetime.date:
        month = 1 if self.quarter is None else 3 * self.quarter - 2
        return datetime.date(self.year, month, 1)

    @property
    def end(self) -> datetime.date:
        if self.quarter is None or self.quarter == 4:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, 3 * self.quarter + 1, 1) - datetime.timedelta(days=1)

    @property
    def param(self) -> str:
        """As in the address: ?period=2026Q4 or ?period=2026."""
        return str(self.year) if self.quarter is None else f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        if self.quarter is None:
            return _("%(year)s年") % {"year": self.year}
        return _("%(year)s年%(quarter)s") % {
            "year": self.year,
            "quarter": _quarter_names()[self.quarter],
        }

    @property
    def is_year(self) -> bool:
        return self.quarter is None

    @property
    def whole_year(self) -> Period:
        """The year this period is in (itself, for a year)."""
        return Period(self.year)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def next(self) -> Period:
        if self.quarter is None:
            return Period(self.year + 1)
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def __str__(self) -> str:
        return self.label


def quarter_of(day: datetime.date) -> Period:
    return Period(day.year, (day.month - 1) // 3 + 1)


T = TypeVar("T")


def ranked(items: Iterable[T], key: Callable[[T], object]) -> Iterator[tuple[int, T]]:
    """(rank, item) for items already sorted best first; equal keys share a rank and the
    next rank skips (1, 1, 3)."""
    rank, previous = 0, object()
    for position, item in enumerate(items, start=1):
        value = key(item)
        if value != previous:
            rank, previous = position, value
        yield rank, item
