"""Preparing a round through its services: creating and editing the round, adding, editing
and removing its items. Each refusal says why and changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from redemption import services
from redemption.models import Round, RoundItem
from tests.factories import CommunityFactory, UserFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundFactory,
    RoundItemFactory,
    open_round_with,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def admin():
    return UserFactory()


def new_round(community, admin, **overrides) -> Round:
    values = {
        "name": "2027年第一季度",
        "code": "2027Q1",
        "opens_on": D(2027, 1, 1),
        "closes_on": D(2027, 3, 31),
        "budget_yuan": Decimal("3000"),
        "balance_policy": Round.BalancePolicy.CAP,
        "balance_cap": 50,
        "note": "社区超市",
    }
    return services.create_round(
        community=community, values=services.RoundValues(**{**values, **overrides}), by=admin
    )


def test_creating_a_round_stores_a_draft_made_by_the_admin(community, admin):
    round_ = new_round(community, admin)

    stored = Round.objects.get(pk=round_.pk)
    assert (stored.community, stored.created_by, stored.status) == (community, admin, "draft")
    assert (stored.code, stored.budget_yuan, stored.balance_cap) == ("2027Q1", 3000, 50)


def test_a_code_the_community_has_in_any_case_is_refused_on_the_code(community, admin):
    new_round(community, admin)
    new_round(CommunityFactory(), admin, code="2027Q2")  # another community's: no matter

    with pytest.raises(ValidationError) as refused:
        new_round(community, admin, code="2027q1", name="重复")

    taken = "本居民区已有编号为 2027q1 的兑换期，请换一个编号。"
    assert refused.value.message_dict == {"code": [taken]}
    assert Round.objects.filter(community=community).count() == 1


def test_an_open_round_changes_its_end_budget_and_note_but_no_budget_below_spent(community, admin):
    running, _items = open_round_with(community)
    Round.objects.filter(pk=running.pk).update(spent_yuan=Decimal("20"))
    later = running.closes_on + datetime.timedelta(days=7)

    changed = services.update_round(
        round_=running,
        seen_status="open",
        changes={"closes_on": later, "budget_yuan": Decimal("500"), "note": "延长一周"},
        by=admin,
    )
    assert (changed.closes_on, changed.budget_yuan, changed.note) == (later, 500, "延长一周")

    for changes in ({"budget_yuan": Decimal("19.99")}, {"name": "改名"}):
        with pytest.raises(ValidationError):
            services.update_round(round_=running, seen_status="open", changes=changes, by=admin)
    running.refresh_from_db()
    assert (running.name, running.budget_yuan) == (changed.name, 500)


def test_a_round_that_moved_on_since_the_admin_saw_it_is_not_edited(community, admin):
    running, _items = open_round_with(community)

    with pytest.raises(ValidationError) as refused:
        services.update_round(
            round_=running, seen_status="draft", changes={"name": "改名"}, by=admin
        )

    assert refused.value.code == "status"
    running.refresh_from_db()
    assert running.name != "改名"


def test_adding_an_item_copies_the_rewards_price_and_cost(community, admin):
    draft = RoundFactory(community=community)
    soap = RewardFactory(community=community, point_price=12, cost_yuan=Decimal("9.90"))

    item = services.add_round_item(
        round_=draft, reward=soap, stock=30, per_household_limit=2, by=admin
    )

    stored = RoundItem.objects.get(pk=item.pk)
    assert (stored.round, stored.reward, stored.community) == (draft, soap, community)
    assert (stored.point_price, stored.cost_yuan, stored.stock) == (12, Decimal("9.90"), 30)
    assert (stored.taken, stored.per_household_limit) == (0, 2)


@pytest.mark.parametrize("why", ["twice", "other community", "retired"])
def test_an_item_that_cannot_be_offered_is_refused_on_the_reward(community, admin, why):
    draft = RoundFactory(community=community)
    offered = RoundItemFactory(round=draft)
    reward = {
        "twice": offered.reward,
        "other community": RewardFactory(community=CommunityFactory(), unique=True),
        "retired": RewardFactory(community=community, unique=True, is_active=False),
    }[why]

    with pytest.raises(ValidationError) as refused:
        services.add_round_item(
            round_=draft, reward=reward, stock=5, per_household_limit=None, by=admin
        )

    assert list(refused.value.message_dict) == ["reward"]
    assert list(draft.items.all()) == [offered]


def test_an_open_rounds_item_changes_stock_and_limit_but_not_below_what_was_taken(community, admin):
    running, [item] = open_round_with(community)
    RoundItem.objects.filter(pk=item.pk).update(taken=8)
    item.refresh_from_db()

    changed = services.update_round_item(
        item=item, seen_status="open", changes={"stock": 8, "per_household_limit": 1}, by=admin
    )
    assert (changed.stock, changed.per_household_limit) == (8, 1)

    for changes in ({"stock": 7}, {"point_price": 1}):
        with pytest.raises(ValidationError):
            services.update_round_item(item=item, seen_status="open", changes=changes, by=admin)
    item.refresh_from_db()
    assert (item.stock, item.point_price, item.per_household_limit) == (8, 10, 1)


def test_an_item_leaves_a_draft_but_not_an_open_round(community, admin):
    draft = RoundFactory(community=community)
    leaving = RoundItemFactory(round=draft)
    running, [staying] = open_round_with(community)

    services.remove_round_item(item=leaving, by=admin)
    with pytest.raises(ValidationError) as refused:
        services.remove_round_item(item=staying, by=admin)

    assert not RoundItem.objects.filter(pk=leaving.pk).exists()
    assert refused.value.code == "started"
    assert RoundItem.objects.filter(pk=staying.pk).exists()
