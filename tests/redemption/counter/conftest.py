"""Fixtures of the counter's pages: a household at the counter with its members, an open
round with two items, a funded passbook and one redemption."""

import pytest
from django.test import Client

from residents.models import Member, StaffMembership
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    UserFactory,
)
from tests.redemption.counter.pages import HOUSEHOLD_PHONE, MEMBER_PHONE, _client, redeem
from tests.redemption.factories import give_points, open_round_with


@pytest.fixture
def other_counter_client(other_community) -> Client:
    return _client(other_community, StaffMembership.Role.COUNTER)


@pytest.fixture
def compound(community):
    return CompoundFactory(community=community, name="山鑫阳光城一期")


@pytest.fixture
def household(community, compound):
    household = HouseholdFactory(
        community=community,
        compound=compound,
        passbook_number="SX-00123",
        building="5",
        room="302",
        phone=HOUSEHOLD_PHONE,
    )
    MemberFactory(household=household, name="郑兴友", phone=MEMBER_PHONE, is_party_member=True)
    MemberFactory(household=household, name="李秀英", relation=Member.Relation.SPOUSE, phone="")
    return household


@pytest.fixture
def clerk():
    return UserFactory(username="counter-clerk", first_name="顾美娟")


@pytest.fixture
def round_and_items(community):
    return open_round_with(community, items=2, code="2026Q4", name="2026年第四季度")


@pytest.fixture
def round_(round_and_items):
    return round_and_items[0]


@pytest.fixture
def items(round_and_items):
    return round_and_items[1]


@pytest.fixture
def funded(household):
    give_points(household, 100)
    return household


@pytest.fixture
def redemption(funded, round_, items, clerk):
    soap, oil = items
    return redeem(funded, {soap: 2, oil: 1}, by=clerk)
