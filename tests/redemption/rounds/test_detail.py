"""The round page: its items with stock taken and remaining, read by staff without forms,
in the same queries for few or many items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import HouseholdFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)
from tests.redemption.rounds.pages import redeem, url

pytestmark = pytest.mark.django_db


def test_staff_read_a_round_with_its_items_and_no_forms(staff_client, running):
    response = staff_client.get(url("round_detail", running))

    assert response.status_code == 200
    body = response.content.decode()
    assert "2026年第四季度" in body and "兑换中" in body
    item = running.items.get()
    assert item.reward.name in body
    assert url("round_item_edit", running, item) not in body
    assert url("round_close", running) not in body and url("round_edit", running) not in body


def test_the_round_page_shows_stock_taken_and_remaining(admin, community):
    round_, (soap,) = open_round_with(community)
    household = HouseholdFactory(community=community)
    give_points(household, 500)
    redeem(round_, household, {soap.pk: 3})

    response = admin.get(url("round_detail", round_))

    item = response.context["items"][0]
    assert (item.stock, item.taken, item.remaining) == (50, 3, 47)
    assert response.context["counts"] == {"kept": 1, "cancelled": 0}


def test_the_round_page_takes_the_same_queries_for_few_or_many_items(admin, draft):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url("round_detail", draft)).status_code == 200
        return len(queries)

    RoundItemFactory.create_batch(2, round=draft)
    few = count()
    RoundItemFactory.create_batch(8, round=draft)
    RewardFactory.create_batch(5, community=draft.community, unique=True)
    assert count() == few <= 10
