"""Short-lived copies of what is the same for a whole community (the passbook's panels: the
round card, notices, publications, a building group's star): read through the cache and
forgotten as soon as what they show changes. With the default per-process cache another
server process sees a change when its copy expires."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
_MISSING = object()


def remembered(key: str, seconds: int, compute: Callable[[], T]) -> T:
    """The value kept under `key`, else `compute()`, kept for `seconds` (None is kept too)."""
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, seconds)
    return value


def forget(keys: list[str]) -> None:
    """Forget now, so the request that changed something sees it, and again when its
    transaction commits, so a page read in between has not kept the old value."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
