"""What an app above points says about its own ledger entries, for the passbook's rows:
redemption names the goods a `redeem` entry paid for (青菜 2斤、肥皂 1块), where the entry
itself keeps only the receipt's number.

Points never imports the apps above it, so they register here in their `AppConfig.ready()`:

    entry_details.register(EntryDetail(name="redemption.goods", order=10, kinds={"redeem"},
                                       details=goods_taken))

`details` is given the entries of its kinds on the page and returns a short text by entry
id, in one query for the whole page (the passbook's query budget counts it); it is not
called when the page has no entry of its kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from points.models import LedgerEntry
from residents.registry import OrderedRegistry


@dataclass(frozen=True)
class EntryDetail:
    name: str
    order: int
    kinds: frozenset[str]
    details: Callable[[list[LedgerEntry]], Mapping[int, str]]


entry_details: OrderedRegistry[EntryDetail] = OrderedRegistry()


def attach_details(entries: Iterable[LedgerEntry]) -> None:
    """Sets `entry.detail` on each entry: the registered text, or ""."""
    entries = list(entries)
    for entry in entries:
        entry.detail = ""
    for contribution in entry_details:
        mine = [entry for entry in entries if entry.kind in contribution.kinds]
        if not mine:
            continue
        texts = contribution.details(mine)
        for entry in mine:
            entry.detail = texts.get(entry.pk, entry.detail)
