"""A round's items: added from the catalogue with price and cost, edited (an open round's
only stock and limit), removed while draft — by admins only."""

from decimal import Decimal

import pytest

from redemption import services
from redemption.models import RoundItem
from tests.factories import UserFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundItemFactory,
)
from tests.redemption.rounds.pages import item_data, prefixed, url

pytestmark = pytest.mark.django_db


def test_admin_adds_a_catalogue_reward_with_its_price_and_cost(admin, draft, community):
    oil = RewardFactory(
        community=community, name="食用油", unit="桶", point_price=60, cost_yuan=Decimal("45.80")
    )

    response = admin.post(
        url("round_item_add", draft), {"reward": oil.pk, "stock": "40", "per_household_limit": "1"}
    )

    item = RoundItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url('round_detail', draft)}#item-{item.pk}"
    assert (item.community, item.round, item.reward) == (community, draft, oil)
    assert (item.point_price, item.cost_yuan) == (60, Decimal("45.80"))
    assert (item.stock, item.taken, item.per_household_limit) == (40, 0, 1)


def test_the_add_form_offers_only_active_rewards_not_yet_in_the_round(admin, draft, community):
    offered = RoundItemFactory(round=draft, reward__name="洗手液")
    RewardFactory(community=community, name="肥皂", is_active=False)
    RewardFactory(community=community, name="食用油")

    form = admin.get(url("round_detail", draft)).context["add_form"]

    labels = [label for value, label in form.fields["reward"].choices if value]
    assert [label.split("（")[0] for label in labels] == ["食用油"]
    assert offered.reward.name == "洗手液"


def test_a_reward_added_twice_gets_a_clear_message(admin, draft):
    item = RoundItemFactory(round=draft, reward__name="洗手液")

    response = admin.post(url("round_item_add", draft), {"reward": item.reward.pk, "stock": "10"})

    assert response.status_code == 400
    assert "“洗手液”已在本期清单里" in response.content.decode()
    assert RoundItem.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stock": "10"}, "请选择要加入本期的物品"),
        ({"stock": "0", "reward": "__reward__"}, "库存至少为 1"),
        ({"stock": "", "reward": "__reward__"}, "请填写库存"),
        ({"stock": "5", "per_household_limit": "0", "reward": "__reward__"}, "每户限兑至少为 1"),
        ({"stock": "5", "reward": "__retired__"}, "所选物品不在本居民区的在用目录里"),
        ({"stock": "5", "reward": "__foreign__"}, "所选物品不在本居民区的在用目录里"),
    ],
)
def test_a_bad_item_is_refused_and_nothing_added(
    admin, draft, community, other_community, data, message
):
    rewards = {
        "__reward__": RewardFactory(community=community, name="洗手液").pk,
        "__retired__": RewardFactory(community=community, name="肥皂", is_active=False).pk,
        "__foreign__": RewardFactory(community=other_community, name="大米").pk,
    }
    data = {key: rewards.get(value, value) for key, value in data.items()}

    response = admin.post(url("round_item_add", draft), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RoundItem.objects.exists()


def test_items_may_be_added_while_open_but_not_once_closed(admin, running, community):
    oil = RewardFactory(community=community, name="食用油")
    assert (
        admin.post(url("round_item_add", running), {"reward": oil.pk, "stock": "5"}).status_code
        == 302
    )
    services.close_round(round_=running, by=UserFactory())
    eggs = RewardFactory(community=community, name="鸡蛋")

    response = admin.post(url("round_item_add", running), {"reward": eggs.pk, "stock": "5"})

    assert response.status_code == 409
    assert "已经结账，不能再修改" in response.content.decode()
    assert not RoundItem.objects.filter(reward=eggs).exists()


def test_a_draft_item_changes_price_cost_stock_and_limit(admin, draft):
    item = RoundItemFactory(round=draft)

    response = admin.post(
        url("round_item_edit", draft, item), prefixed(item, item_data(per_household_limit="2"))
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.point_price, item.cost_yuan, item.stock, item.per_household_limit) == (
        12,
        Decimal("9.00"),
        30,
        2,
    )


def test_an_open_item_changes_only_stock_and_limit(admin, running):
    item = running.items.get()

    response = admin.post(
        url("round_item_edit", running, item),
        prefixed(item, item_data(stock="20", per_household_limit="3", point_price="1")),
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.stock, item.per_household_limit, item.point_price) == (20, 3, 10)


def test_stock_never_drops_below_what_was_taken(admin, running):
    item = running.items.get()  # one taken

    response = admin.post(url("round_item_edit", running, item), prefixed(item, {"stock": "0"}))

    assert response.status_code == 400
    assert "已经兑出 1 个，库存不能少于已兑出的数量" in response.content.decode()
    item.refresh_from_db()
    assert item.stock == 50
    assert (
        admin.post(
            url("round_item_edit", running, item), prefixed(item, {"stock": "1"})
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stock": "-1"}, "库存不能小于 0"),
        ({"stock": "abc"}, "库存请填整数"),
        ({"stock": "5", "per_household_limit": "0"}, "每户限兑至少为 1"),
        ({"stock": "5", "point_price": "0", "cost_yuan": "1"}, "所需积分至少为 1 分"),
        ({"stock": "5", "point_price": "5", "cost_yuan": "-1"}, "成本不能小于 0 元"),
    ],
)
def test_a_bad_item_edit_changes_nothing(admin, draft, data, message):
    item = RoundItemFactory(round=draft)

    response = admin.post(url("round_item_edit", draft, item), prefixed(item, data))

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and '<details class="item-edit" open>' in body
    after = RoundItem.objects.get(pk=item.pk)
    assert (after.stock, after.point_price, after.per_household_limit) == (50, 10, None)


def test_a_closed_rounds_items_do_not_change(admin, running):
    item = running.items.get()
    services.close_round(round_=running, by=UserFactory())

    response = admin.post(url("round_item_edit", running, item), prefixed(item, {"stock": "99"}))
    removed = admin.post(url("round_item_remove", running, item))

    assert response.status_code == removed.status_code == 409
    item.refresh_from_db()
    assert item.stock == 50


def test_an_item_is_removed_only_while_draft(admin, draft, running):
    gone = RoundItemFactory(round=draft)
    kept = running.items.get()

    response = admin.post(url("round_item_remove", draft, gone))
    refused = admin.post(url("round_item_remove", running, kept))

    assert response.status_code == 302
    assert not RoundItem.objects.filter(pk=gone.pk).exists()
    assert refused.status_code == 409
    assert "兑换已经开始，不能再移除物品" in refused.content.decode()
    assert RoundItem.objects.filter(pk=kept.pk).exists()


def test_an_item_of_another_round_is_not_found_under_this_one(admin, draft, running):
    other = running.items.get()
    assert (
        admin.post(
            url("round_item_edit", draft, other), prefixed(other, {"stock": "9"})
        ).status_code
        == 404
    )
    assert admin.post(url("round_item_remove", draft, other)).status_code == 404
    other.refresh_from_db()
    assert other.stock == 50


def test_only_admins_change_items(staff_client, draft, community):
    item = RoundItemFactory(round=draft)
    reward = RewardFactory(community=community, name="食用油")
    assert (
        staff_client.post(
            url("round_item_add", draft), {"reward": reward.pk, "stock": "5"}
        ).status_code
        == 403
    )
    assert (
        staff_client.post(
            url("round_item_edit", draft, item), prefixed(item, {"stock": "9"})
        ).status_code
        == 403
    )
    assert staff_client.post(url("round_item_remove", draft, item)).status_code == 403
    assert RoundItem.objects.get().stock == 50


def test_item_urls_accept_only_post(admin, draft):
    item = RoundItemFactory(round=draft)
    assert admin.get(url("round_item_add", draft)).status_code == 405
    assert admin.get(url("round_item_edit", draft, item)).status_code == 405
    assert admin.get(url("round_item_remove", draft, item)).status_code == 405
    assert RoundItem.objects.filter(pk=item.pk).exists()
