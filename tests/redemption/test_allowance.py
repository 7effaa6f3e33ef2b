"""How much more of an item a household may take this round: one rule (RoundItem), read by
the counter, the rewards page and the redemption service's refusal."""

import pytest

from redemption.models import RoundItem


def item(*, stock=50, taken=0, limit=None) -> RoundItem:
    return RoundItem(stock=stock, taken=taken, per_household_limit=limit)


@pytest.mark.parametrize(
    ("limit", "taken_by_household", "left"),
    [(None, 7, None), (3, 0, 3), (3, 2, 1), (3, 3, 0), (3, 5, 0)],
)
def test_the_limit_left_for_a_household_is_never_negative(limit, taken_by_household, left):
    assert item(limit=limit).left_for_household(taken_by_household) == left


@pytest.mark.parametrize(
    ("stock", "taken", "limit", "taken_by_household", "allowance"),
    [
        (50, 0, None, 0, 50),  # no limit: the stock left
        (50, 48, None, 9, 2),
        (50, 0, 3, 1, 2),  # the limit left
        (50, 49, 3, 1, 1),  # the stock left is smaller
        (50, 50, 3, 0, 0),  # sold out
        (50, 10, 3, 4, 0),  # over the limit (a limit lowered later)
    ],
)
def test_the_allowance_is_the_stock_left_within_the_households_limit(
    stock, taken, limit, taken_by_household, allowance
):
    assert item(stock=stock, taken=taken, limit=limit).allowance(taken_by_household) == allowance
