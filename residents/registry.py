"""The shape every registry of contributions shares (the dashboard's figures, the household
page's sections, the passbook's panels, the demo steps): things a higher app registers in
its `AppConfig.ready()`, by name, and read back in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class Contribution(Protocol):
    @property
    def name(self) -> str: ...  # unique: registering the same name again replaces it

    @property
    def order(self) -> int: ...  # smallest first, then by name


C = TypeVar("C", bound=Contribution)


class OrderedRegistry(Generic[C]):
    def __init__(self) -> None:
        self._items: dict[str, C] = {}

    def register(self, item: C) -> None:
        self._items[item.name] = item

    def __iter__(self) -> Iterator[C]:
        return iter(sorted(self._items.values(), key=lambda item: (item.order, item.name)))
