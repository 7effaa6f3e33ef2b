"""Writes for redemption, one transaction each, run again on a deadlock or a serialization
failure: running a round — opening, redeeming at the counter, cancelling, closing
(`services.running`) — and preparing one, the round and its items (`services.preparing`).
Callers use them as `redemption.services.<name>`."""

from redemption.services.preparing import (
    add_round_item,
    budget_below_spent_message,
    code_taken_message,
    create_round,
    item_twice_message,
    remove_round_item,
    round_closed_error,
    stock_below_taken_message,
    update_round,
    update_round_item,
)
from redemption.services.running import cancel, close_round, open_round, redeem

__all__ = [
    "add_round_item",
    "budget_below_spent_message",
    "cancel",
    "close_round",
    "code_taken_message",
    "create_round",
    "item_twice_message",
    "open_round",
    "redeem",
    "remove_round_item",
    "round_closed_error",
    "stock_below_taken_message",
    "update_round",
    "update_round_item",
]
