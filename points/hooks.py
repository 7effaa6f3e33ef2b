"""What other apps add to an approval, without points naming them.

Points never imports the apps above it, so they register here in their `AppConfig.ready()`:

    approval_listeners.register(
        ApprovalListener(name="party.account", order=10, approved=..., undone=...)
    )

`approved(community=, quotes=, by=)` is called inside the approval's transaction, after the
passbook entries are posted, with every approved record and its quote (`[(attendance,
Quote)]`: residents and non-residents, base and value-added alike, whether or not the
household passbook got the points). `undone(attendance=, reason=, by=)` is called inside
`undo_approval`'s transaction. A listener that raises rolls the whole approval back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from residents.registry import OrderedRegistry


@dataclass(frozen=True)
class ApprovalListener:
    name: str
    order: int  # smallest first
    approved: Callable[..., Any]
    undone: Callable[..., Any]


approval_listeners: OrderedRegistry[ApprovalListener] = OrderedRegistry()


def tell_approved(*, community, quotes: Sequence[tuple[Any, Any]], by) -> None:
    if quotes:
        for listener in approval_listeners:
            listener.approved(community=community, quotes=quotes, by=by)


def tell_undone(*, attendance, reason: str, by) -> None:
    for listener in approval_listeners:
        listener.undone(attendance=attendance, reason=reason, by=by)
