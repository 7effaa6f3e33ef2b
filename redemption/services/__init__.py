"""Writes for redemption, one transaction each, run again on a deadlock or a serialization
failure: running a round — opening, redeeming at the counter, cancelling, closing
(`services.running`) —, preparing one, the round and its items (`services.preparing`), and
the reward catalogue (`services.catalogue`). Callers use them as
`redemption.services.<name>`."""

from redemption.services.catalogue import (
    RewardValues,
    create_reward,
    duplicate_name_message,
    set_reward_active,
    update_reward,
)
from redemption.services.preparing import (
    RoundValues,
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
    "RewardValues",
    "RoundValues",
    "add_round_item",
    "budget_below_spent_message",
    "cancel",
    "close_round",
    "code_taken_message",
    "create_reward",
    "create_round",
    "duplicate_name_message",
    "item_twice_message",
    "open_round",
    "redeem",
    "remove_round_item",
    "round_closed_error",
    "set_reward_active",
    "stock_below_taken_message",
    "update_reward",
    "update_round",
    "update_round_item",
]
