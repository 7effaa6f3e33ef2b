"""The review queue's pages: activities oldest first, whole where they fit, at most
`activities` of them and `records` pending records on a page. An activity with more records
than a page holds gets pages of its own, in the order the queue lists its records; what a
page shows is exactly what its buttons approve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator


@dataclass(frozen=True)
class Segment:
    """The records of one activity a page shows: [start, stop) of its `total` pending ones."""

    activity_id: int
    start: int
    stop: int
    total: int

    @property
    def first(self) -> int:
        """The first record shown, counted from 1."""
        return self.start + 1

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop == self.total


def layout(counts: Sequence[tuple[int, int]], activities: int, records: int) -> list[list[Segment]]:
    """Pages for (activity id, pending records) in queue order."""
    pages: list[list[Segment]] = []
    page: list[Segment] = []
    room = records
    for activity_id, total in counts:
        if page and (len(page) == activities or total > room):
            pages.append(page)
            page, room = [], records
        start = 0
        while total - start > room:  # more than a page: pages of its own
            page.append(Segment(activity_id, start, start + room, total))
            pages.append(page)
            start += room
            page, room = [], records
        page.append(Segment(activity_id, start, total, total))
        room -= total - start
    if page:
        pages.append(page)
    return pages


class QueuePaginator(Paginator):
    """Pages laid out by `layout`, one list of segments each; `count` is the number of
    activities in the queue (what the page says), not the number of pages."""

    def __init__(self, pages: list[list[Segment]], activity_count: int) -> None:
        super().__init__(pages, 1)
        self.activity_count = activity_count

    @cached_property
    def count(self) -> int:
        return self.activity_count

    @cached_property
    def num_pages(self) -> int:
        return max(len(self.object_list), 1)

    def page(self, number):
        number = self.validate_number(number)
        segments = self.object_list[number - 1] if self.object_list else []
        return self._get_page(segments, number, self)
