"""Fixtures of the round pages: the admin's client, a draft round and an open one with
redemptions, another community's admin."""

from decimal import Decimal

import pytest
from django.test import Client

from tests.factories import HouseholdFactory, StaffMembershipFactory
from tests.redemption.factories import (
    RoundFactory,
    give_points,
    open_round_with,
)
from tests.redemption.rounds.pages import redeem


@pytest.fixture
def admin(admin_client_of_community):
    return admin_client_of_community


@pytest.fixture
def draft(community):
    return RoundFactory(community=community, name="2027年第一季度", code="2027Q1")


@pytest.fixture
def running(community):
    """An open round with 8.50 yuan of its 100 yuan budget spent (one soap taken)."""
    round_, (soap,) = open_round_with(
        community, name="2026年第四季度", code="2026Q4", budget_yuan=Decimal("100.00")
    )
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    redeem(round_, household, {soap.pk: 1})
    round_.refresh_from_db()
    return round_


@pytest.fixture
def other_admin(other_community) -> Client:
    client = Client()
    client.force_login(StaffMembershipFactory(community=other_community, role="admin").user)
    return client
