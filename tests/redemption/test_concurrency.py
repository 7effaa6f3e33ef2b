"""Many counters redeeming at the same moment (threads released together by a barrier,
each on its own PostgreSQL connection): no overdraft, no overselling, no double receipt."""

import uuid
from decimal import Decimal

import pytest
from django.db.models import Sum

from points.models import Account, LedgerEntry
from redemption import services
from redemption.models import Redemption, RoundItem
from tests.concurrency import at_once
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import give_points, open_round_with

pytestmark = pytest.mark.django_db(transaction=True)


def redeeming(community, household, item, clerk, quantity=1, key=None):
    return lambda: services.redeem(
        community=community,
        household=household,
        quantities={item.pk: quantity},
        submission_key=key or uuid.uuid4(),
        by=clerk,
    )


def assert_books_balance():
    stored = dict(Account.objects.values_list("pk", "balance"))
    summed = dict(
        LedgerEntry.objects.values("account").annotate(s=Sum("amount")).values_list("account", "s")
    )
    assert stored == summed
    assert not Account.objects.filter(balance__lt=0).exists()


def test_one_balance_many_counters_succeed_exactly_as_often_as_the_points_allow(community):
    clerk = UserFactory()
    household = HouseholdFactory(community=community)
    give_points(household, 45)  # 4 redemptions of 10 points, 5 left over
    _round, (item,) = open_round_with(community)

    results, refusals, errors = at_once(
        [redeeming(community, household, item, clerk) for _ in range(12)]
    )

    assert errors == []
    assert (len(results), len(refusals)) == (4, 8)
    assert {refusal.code for refusal in refusals} == {"insufficient"}
    assert Account.objects.get(household=household).balance == 5
    item.refresh_from_db()
    assert item.taken == 4
    assert_books_balance()


def test_one_scarce_item_many_households_never_oversold(community):
    clerk = UserFactory()
    households = [HouseholdFactory(community=community) for _ in range(12)]
    for household in households:
        give_points(household, 100)
    _round, (item,) = open_round_with(community)
    RoundItem.objects.filter(pk=item.pk).update(stock=5)

    results, refusals, errors = at_once(
        [redeeming(community, household, item, clerk) for household in households]
    )

    assert errors == []
    assert (len(results), len(refusals)) == (5, 7)
    assert {refusal.code for refusal in refusals} == {"stock"}
    item.refresh_from_db()
    assert (item.taken, item.stock) == (5, 5)
    assert len({r.number for r in results}) == 5
    assert_books_balance()


def test_one_household_and_one_scarce_item_the_tighter_limit_wins(community):
    clerk = UserFactory()
    household = HouseholdFactory(community=community)
    give_points(household, 70)  # points for 7
    round_, (item,) = open_round_with(community, budget_yuan=Decimal("1000"))
    RoundItem.objects.filter(pk=item.pk).update(stock=4)  # stock for 4

    results, refusals, errors = at_once(
        [redeeming(community, household, item, clerk) for _ in range(10)]
    )

    assert errors == []
    assert len(results) == 4
    assert Account.objects.get(household=household).balance == 30
    round_.refresh_from_db()
    assert round_.spent_yuan == Decimal("34.00")
    assert_books_balance()


def test_a_form_submitted_many_times_at_once_makes_one_redemption(community):
    clerk = UserFactory()
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    _round, (item,) = open_round_with(community)
    key = uuid.uuid4()

    results, refusals, errors = at_once(
        [redeeming(community, household, item, clerk, quantity=2, key=key) for _ in range(8)]
    )

    assert (errors, refusals) == ([], [])
    assert len({r.pk for r in results}) == 1
    assert Redemption.objects.count() == 1
    assert Account.objects.get(household=household).balance == 80


def test_cancelling_while_others_redeem_the_last_stock(community):
    clerk = UserFactory()
    households = [HouseholdFactory(community=community) for _ in range(6)]
    for household in households:
        give_points(household, 50)
    _round, (item,) = open_round_with(community)
    RoundItem.objects.filter(pk=item.pk).update(stock=3)
    first = services.redeem(
        community=community,
        household=households[0],
        quantities={item.pk: 3},
        submission_key=uuid.uuid4(),
        by=clerk,
    )

    workers = [redeeming(community, h, item, clerk) for h in households[1:]]
    workers.append(lambda: services.cancel(redemption=first, reason="退回", by=clerk))
    results, _refusals, errors = at_once(workers)

    assert errors == []
    item.refresh_from_db()
    redeemed = Redemption.objects.filter(cancelled_at__isnull=True).aggregate(
        n=Sum("lines__quantity")
    )["n"]
    assert item.taken == redeemed <= 3
    assert Account.objects.get(household=households[0]).balance == 50
    assert_books_balance()
