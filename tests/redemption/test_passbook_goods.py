"""Issue 17, item 4: a redemption's passbook row says what was taken (青菜 2斤、肥皂 1块),
not only a receipt number, on the resident's page and the staff ledger alike; with more
goods it names two and counts the rest, so the row stays short on a phone."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from points import passbook
from redemption import services
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import RewardFactory, RoundItemFactory, give_points, open_round_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(community):
    round_, _none = open_round_with(community, items=0)
    goods = [("青菜", "斤", 1), ("肥皂", "块", 2), ("食用油", "桶", 20), ("大米", "袋", 15)]
    return [
        RoundItemFactory(
            round=round_,
            reward=RewardFactory(community=community, name=name, unit=unit, point_price=price),
        )
        for name, unit, price in goods
    ]


def redeem(household, quantities):
    return services.redeem(
        community=household.community,
        household=household,
        quantities=quantities,
        submission_key=uuid.uuid4(),
        by=UserFactory(),
    )


def residents_page(household) -> str:
    client = Client()
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    client.get(reverse("points:passbook_open", args=[token]))
    return client.get(reverse("points:passbook")).content.decode()


def test_a_redemption_row_names_the_goods_taken(community, shop, staff_client):
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    vegetables, soap, *_rest = shop
    redemption = redeem(household, {vegetables.pk: 2, soap.pk: 1})

    assert "兑换：青菜 2斤、肥皂 1块" in residents_page(household)
    staff = staff_client.get(reverse("points:household_ledger", args=[household.pk]))
    assert "青菜 2斤、肥皂 1块" in staff.content.decode()
    assert redemption.number in staff.content.decode()  # staff keep the receipt number


def test_a_redemption_of_many_goods_names_two_and_counts_them(community, shop):
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    redeem(household, {item.pk: 1 for item in shop})

    assert "兑换：青菜 1斤、肥皂 1块等 4 样" in residents_page(household)
