"""The rounds list (兑换期): each round with its status, budget and redemptions, for admins
and staff; the counter role does not see it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redemption import services
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import (
    RoundFactory,
    give_points,
    open_round_with,
)
from tests.redemption.rounds.pages import CREATE, LIST, D, redeem, url

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_round_with_status_budget_and_redemptions(
    staff_client, community, other_community
):
    past = RoundFactory(
        community=community,
        name="2026年第三季度",
        opens_on=D(2026, 7, 1),
        closes_on=D(2026, 9, 30),
    )
    current, (soap,) = open_round_with(community, name="2026年第四季度", budget_yuan=100)
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    redeem(current, household, {soap.pk: 2})
    cancelled = redeem(current, household, {soap.pk: 1})
    services.cancel(redemption=cancelled, reason="拿错了", by=UserFactory())
    RoundFactory(community=other_community, name="别的居民区的兑换期")

    response = staff_client.get(LIST)

    assert response.status_code == 200
    rounds = response.context["rounds"]
    assert [r.name for r in rounds] == ["2026年第四季度", "2026年第三季度"]
    assert [r.redemption_count for r in rounds] == [1, 0]
    assert rounds[0].budget_share == 17  # 17.00 of 100 yuan
    body = response.content.decode()
    assert "别的居民区的兑换期" not in body
    assert "兑换中" in body and "准备中" in body
    assert "¥17.00 / ¥100.00" in body
    assert "2026年7月1日" in body and url("round_detail", past) in body
    assert CREATE not in body  # staff read, admins create


def test_the_list_takes_the_same_queries_for_few_or_many_rounds(admin, community):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(LIST).status_code == 200
        return len(queries)

    RoundFactory.create_batch(2, community=community)
    few = count()
    RoundFactory.create_batch(10, community=community)
    assert count() == few <= 6


def test_the_counter_role_does_not_see_rounds(counter_client, draft):
    assert counter_client.get(LIST).status_code == 403
    assert counter_client.get(url("round_detail", draft)).status_code == 403


def test_an_empty_list_tells_admins_where_to_start(admin):
    body = admin.get(LIST).content.decode()
    assert "还没有兑换期" in body and CREATE in body
