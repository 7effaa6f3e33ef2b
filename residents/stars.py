"""Star building groups (星级楼组): what ★ means wherever a building group is shown.

A star is awarded, not computed: the sub-district's (街道) star building-group contest rates
its communities' entries and publishes the result ("本楼组为 2026 年度三星楼组"). The pages
that show building groups (the dashboard's participation by group, the standings, the
resident's passbook) ask this registry; the app that awards stars registers its source in
its `AppConfig.ready()`:

    star_awards.register(published_stars)

A source answers `source(building_groups=[ids]) -> {group id: Star}` in one query (or a
fixed few), whatever the number of groups. With no source registered no group has a star.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

STAR_WORDS = {1: _("一星"), 2: _("二星"), 3: _("三星")}
MAX_STARS = 3


@dataclass(frozen=True)
class Star:
    """A building group's stars (1–3) of a year's contest."""

    stars: int
    year: int

    @property
    def symbols(self) -> str:
        return "★" * self.stars

    @property
    def label(self) -> str:
        """“2026 年度三星楼组”."""
        return _("%(year)s 年度%(stars)s楼组") % {
            "year": self.year,
            "stars": STAR_WORDS[self.stars],
        }


Source = Callable[..., Mapping[int, Star]]


class StarAwards:
    def __init__(self) -> None:
        self._sources: list[Source] = []

    def register(self, source: Source) -> None:
        if source not in self._sources:
            self._sources.append(source)

    def for_groups(self, building_groups: Iterable[int]) -> dict[int, Star]:
        """Each group's latest star, for the groups that have one."""
        ids = list(building_groups)
        found: dict[int, Star] = {}
        if not ids:
            return found
        for source in self._sources:
            for group, star in source(building_groups=ids).items():
                if group not in found or star.year > found[group].year:
                    found[group] = star
        return found


star_awards = StarAwards()
