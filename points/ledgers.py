"""Other ledgers `manage.py reconcile_ledger` checks besides the household passbook.

An app above points that keeps a ledger of the same shape (an account model with a stored
`balance`, an entry model with `account` and `amount`) registers it in its
`AppConfig.ready()`:

    ledgers.register(Ledger(name="party", order=10, label="党员积分账户",
                            account=PartyAccount, entry=PartyEntry, describe=str))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from residents.registry import OrderedRegistry


@dataclass(frozen=True)
class Ledger:
    name: str
    order: int
    label: str  # what its accounts are called in the report
    account: type[models.Model]
    entry: type[models.Model]
    describe: Callable[[models.Model], str]  # an account, as a wrong one is listed


ledgers: OrderedRegistry[Ledger] = OrderedRegistry()
