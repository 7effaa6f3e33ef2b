"""Rounds (兑换期): the list, creating and editing a round (a draft fully, an open round only
its end, budget and note, a closed one not at all), its items, opening and closing with a
confirmation that says what the balance policy will do."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points.models import Account, LedgerEntry
from redemption import services
from redemption.forms.rounds import RoundForm, suggested_round
from redemption.models import Round, RoundItem
from tests.factories import HouseholdFactory, StaffMembershipFactory, UserFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)

pytestmark = pytest.mark.django_db
D = datetime.date
LIST = reverse("redemption:round_list")
CREATE = reverse("redemption:round_create")


def url(name, *args):
    return reverse(f"redemption:{name}", args=[getattr(a, "pk", a) for a in args])


def today() -> datetime.date:
    return timezone.localdate()


def round_data(**overrides):
    data = {
        "name": "2026年第四季度",
        "code": "2026Q4",
        "opens_on": "2026-10-01",
        "closes_on": "2026-12-31",
        "budget_yuan": "3000",
        "balance_policy": "carry",
        "balance_cap": "",
        "note": "",
    }
    data.update(overrides)
    return data


def redeem(round_, household, quantities, *, by=None):
    return services.redeem(
        community=round_.community,
        household=household,
        quantities=quantities,
        submission_key=uuid.uuid4(),
        by=by or UserFactory(),
    )


@pytest.fixture
def admin(admin_client_of_community):
    return admin_client_of_community


@pytest.fixture
def draft(community):
    return RoundFactory(community=community, name="2027年第一季度", code="2027Q1")


# The list --------------------------------------------------------------------------------


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


# Suggesting the next round ---------------------------------------------------------------


def test_the_first_round_suggested_is_this_quarter(community):
    initial = suggested_round(community, today=D(2026, 11, 21))
    assert initial == {
        "name": "2026年第四季度",
        "code": "2026Q4",
        "opens_on": D(2026, 10, 1),
        "closes_on": D(2026, 12, 31),
        "balance_policy": "carry",
    }


def test_after_a_round_the_next_quarter_is_suggested_with_its_budget(community):
    RoundFactory(
        community=community,
        code="2026Q4",
        opens_on=D(2026, 10, 1),
        closes_on=D(2026, 12, 31),
        budget_yuan=Decimal("2500.00"),
    )

    initial = suggested_round(community, today=D(2026, 11, 21))

    assert (initial["name"], initial["code"]) == ("2027年第一季度", "2027Q1")
    assert (initial["opens_on"], initial["closes_on"]) == (D(2027, 1, 1), D(2027, 3, 31))
    assert initial["budget_yuan"] == Decimal("2500.00")


def test_a_half_year_round_is_followed_by_the_quarter_after_it(community):
    RoundFactory(
        community=community, code="2026H1", opens_on=D(2026, 1, 1), closes_on=D(2026, 6, 30)
    )
    initial = suggested_round(community, today=D(2026, 5, 2))
    assert (initial["code"], initial["opens_on"], initial["closes_on"]) == (
        "2026Q3",
        D(2026, 7, 1),
        D(2026, 9, 30),
    )


def test_a_code_already_used_is_not_suggested_again(community):
    RoundFactory(
        community=community, code="2026q4", opens_on=D(2026, 1, 1), closes_on=D(2026, 1, 2)
    )
    assert suggested_round(community, today=D(2026, 11, 21))["code"] == "2027Q1"


def test_the_new_round_page_fills_in_the_suggestion(admin, community):
    response = admin.get(CREATE)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == suggested_round(community)
    body = response.content.decode()
    assert "积分不清零" in body and "（默认）" in body
    assert 'value="carry"' in body and "checked" in body


# Creating --------------------------------------------------------------------------------


def test_admin_creates_a_draft_round(admin, community):
    response = admin.post(CREATE, round_data(code=" 2026q4 ", note=" 周六上午兑换 "))

    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("round_detail", round_)
    assert (round_.community, round_.created_by, round_.status) == (community, admin.user, "draft")
    assert (round_.name, round_.code, round_.note) == ("2026年第四季度", "2026Q4", "周六上午兑换")
    assert (round_.opens_on, round_.closes_on) == (D(2026, 10, 1), D(2026, 12, 31))
    assert (round_.budget_yuan, round_.spent_yuan) == (Decimal("3000.00"), Decimal(0))
    assert (round_.balance_policy, round_.balance_cap) == ("carry", None)


def test_a_cap_policy_keeps_its_cap_and_other_policies_drop_one(admin):
    admin.post(CREATE, round_data(balance_policy="cap", balance_cap="200"))
    admin.post(CREATE, round_data(code="2027Q1", balance_policy="clear", balance_cap="200"))

    capped, cleared = Round.objects.order_by("pk")
    assert (capped.balance_policy, capped.balance_cap) == ("cap", 200)
    assert (cleared.balance_policy, cleared.balance_cap) == ("clear", None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": " "}, "请填写名称"),
        ({"closes_on": "2026-09-30"}, "截止日期不能早于开始日期"),
        ({"opens_on": "2026-13-01"}, "日期格式应为"),
        ({"code": "2026 Q4!"}, "编号只能用字母、数字和短横线"),
        ({"code": "2026-Q4-SPRING"}, "编号只能用字母、数字和短横线"),
        ({"code": "第四季度"}, "编号只能用字母、数字和短横线"),
        ({"code": ""}, "请填写编号"),
        ({"budget_yuan": "-1"}, "预算不能小于 0 元"),
        ({"budget_yuan": "12.345"}, "预算最多填到分"),
        ({"budget_yuan": ""}, "请填写本期预算"),
        ({"balance_policy": "cap", "balance_cap": ""}, "请填写每户最多保留多少分"),
        ({"balance_policy": "cap", "balance_cap": "0"}, "保留上限至少为 1 分"),
        ({"balance_policy": "burn"}, "请选择结账时积分怎么办"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(admin, overrides, message):
    response = admin.post(CREATE, round_data(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Round.objects.exists()


def test_a_code_taken_in_the_community_is_refused_whatever_its_case(
    admin, community, other_community
):
    RoundFactory(community=community, code="2026Q4")
    RoundFactory(community=other_community, code="2027Q1")

    response = admin.post(CREATE, round_data(code="2026q4"))

    assert response.status_code == 400
    assert "已有编号为 2026Q4 的兑换期" in response.content.decode()
    assert admin.post(CREATE, round_data(code="2027Q1")).status_code == 302  # other community's


def test_a_code_taken_at_the_same_moment_gets_the_same_message(admin, community, monkeypatch):
    RoundFactory(community=community, code="2026Q4")
    monkeypatch.setattr(RoundForm, "clean_code", lambda form: form.cleaned_data["code"])

    response = admin.post(CREATE, round_data(code="2026Q4"))

    assert response.status_code == 400
    assert "已有编号为 2026Q4 的兑换期" in response.content.decode()
    assert Round.objects.count() == 1


def test_only_admins_create_rounds(staff_client, counter_client):
    for client in (staff_client, counter_client):
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, round_data()).status_code == 403
    assert not Round.objects.exists()


def test_create_refuses_other_methods(admin):
    assert admin.put(CREATE).status_code == 405


# Editing ---------------------------------------------------------------------------------


def test_a_draft_round_is_fully_editable(admin, draft):
    page = admin.get(url("round_edit", draft))
    assert page.status_code == 200 and 'name="code"' in page.content.decode()

    response = admin.post(
        url("round_edit", draft),
        round_data(
            name="2026年下半年",
            code="2026H2",
            opens_on="2026-07-01",
            balance_policy="cap",
            balance_cap="150",
            budget_yuan="5000.50",
        ),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.code, draft.opens_on) == ("2026年下半年", "2026H2", D(2026, 7, 1))
    assert (draft.balance_policy, draft.balance_cap) == ("cap", 150)
    assert draft.budget_yuan == Decimal("5000.50")


def test_a_draft_keeps_its_own_code(admin, draft):
    response = admin.post(url("round_edit", draft), round_data(code="2027Q1", name="改名"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "改名"


def test_an_edit_with_bad_input_changes_nothing(admin, draft, community):
    RoundFactory(community=community, code="2027Q2")
    before = Round.objects.values().get(pk=draft.pk)

    bad_dates = admin.post(url("round_edit", draft), round_data(closes_on="2026-01-01"))
    taken = admin.post(url("round_edit", draft), round_data(code="2027Q2"))

    assert bad_dates.status_code == taken.status_code == 400
    assert "已有编号为 2027Q2 的兑换期" in taken.content.decode()
    assert Round.objects.values().get(pk=draft.pk) == before


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


def test_an_open_round_only_changes_its_closing_day_budget_and_note(admin, running):
    page = admin.get(url("round_edit", running)).content.decode()
    assert "兑换已经开始" in page and 'name="code"' not in page

    new_end = today() + datetime.timedelta(days=30)
    response = admin.post(
        url("round_edit", running),
        round_data(
            name="偷偷改名",
            code="HACK",
            opens_on="2020-01-01",
            closes_on=new_end.isoformat(),
            budget_yuan="8.50",  # exactly what was spent
            balance_policy="clear",
            note="延长一个月",
        ),
    )

    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.closes_on, running.budget_yuan, running.note) == (
        new_end,
        Decimal("8.50"),
        "延长一个月",
    )
    assert (running.name, running.code, running.balance_policy) == (
        "2026年第四季度",
        "2026Q4",
        "carry",
    )
    assert running.opens_on != D(2020, 1, 1)


def test_an_open_round_may_end_today_but_not_before(admin, running):
    ends_today = admin.post(
        url("round_edit", running), round_data(closes_on=today().isoformat(), budget_yuan="100")
    )
    assert ends_today.status_code == 302

    yesterday = today() - datetime.timedelta(days=1)
    response = admin.post(
        url("round_edit", running), round_data(closes_on=yesterday.isoformat(), budget_yuan="100")
    )

    assert response.status_code == 400
    assert "截止日期不能早于今天" in response.content.decode()
    running.refresh_from_db()
    assert running.closes_on == today()


def test_an_open_rounds_budget_may_not_drop_below_what_was_spent(admin, running):
    response = admin.post(
        url("round_edit", running),
        round_data(closes_on=running.closes_on.isoformat(), budget_yuan="8.49"),
    )

    assert response.status_code == 400
    assert "本期已用 8.50 元，预算不能少于已用的金额" in response.content.decode()
    running.refresh_from_db()
    assert running.budget_yuan == Decimal("100.00")


def test_a_round_opened_while_its_draft_form_was_filled_in_is_not_edited_as_a_draft(
    admin, draft, community
):
    RoundItemFactory(round=draft)
    form = RoundForm(round_data(name="改名"), instance=draft, community=community)
    assert form.is_valid()
    services.open_round(round_=draft, by=UserFactory())

    with pytest.raises(ValidationError, match="状态刚刚变了"):
        services.update_round(
            round_=draft, seen_status=form.status, changes=form.cleaned_data, by=UserFactory()
        )
    draft.refresh_from_db()
    assert draft.name == "2027年第一季度"


def test_a_closed_round_is_read_only(admin, running):
    services.close_round(round_=running, by=UserFactory())
    running.refresh_from_db()
    before = Round.objects.values().get(pk=running.pk)

    page = admin.get(url("round_edit", running))
    response = admin.post(url("round_edit", running), round_data(note="改说明", budget_yuan="500"))

    assert page.status_code == 200 and "不能再修改" in page.content.decode()
    assert 'name="note"' not in page.content.decode()
    assert response.status_code == 409
    assert Round.objects.values().get(pk=running.pk) == before


def test_only_admins_edit_rounds(staff_client, draft):
    assert staff_client.get(url("round_edit", draft)).status_code == 403
    assert staff_client.post(url("round_edit", draft), round_data(name="改名")).status_code == 403
    draft.refresh_from_db()
    assert draft.name == "2027年第一季度"


# The round page and its items ------------------------------------------------------------


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


def item_data(**overrides):
    data = {"stock": "30", "per_household_limit": "", "point_price": "12", "cost_yuan": "9.00"}
    data.update(overrides)
    return data


def prefixed(item, data):
    return {f"item-{item.pk}-{key}": value for key, value in data.items()}


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


# Opening ---------------------------------------------------------------------------------


def test_the_draft_page_asks_for_confirmation_before_opening(admin, draft):
    body = admin.get(url("round_detail", draft)).content.decode()
    assert url("round_open", draft) in body and 'name="confirm"' in body
    assert "本期还没有物品，请先加入物品" in body


def test_admin_opens_a_round_after_ticking_the_box(admin, draft):
    RoundItemFactory(round=draft)

    unticked = admin.post(url("round_open", draft))
    draft.refresh_from_db()
    assert unticked.status_code == 400 and draft.status == "draft"
    assert "请先勾选确认，再开始兑换" in unticked.content.decode()

    response = admin.post(url("round_open", draft), {"confirm": "on"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.opened_by) == ("open", admin.user)


def test_opening_refusals_from_the_service_are_shown(admin, draft, community):
    response = admin.post(url("round_open", draft), {"confirm": "on"})
    assert response.status_code == 400
    assert "请先添加本期可兑换的物品" in response.content.decode()

    RoundItemFactory(round=draft)
    open_round_with(community, name="正在兑换的一期")
    response = admin.post(url("round_open", draft), {"confirm": "on"})
    assert response.status_code == 400
    assert "“正在兑换的一期”正在兑换" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_opening_an_already_open_round_is_a_conflict(admin, running):
    response = admin.post(url("round_open", running), {"confirm": "on"})
    assert response.status_code == 409
    assert "只有准备中的兑换期可以开始兑换" in response.content.decode()


# Closing ---------------------------------------------------------------------------------


def test_closing_a_carry_over_round_says_points_are_kept(admin, running):
    body = admin.get(url("round_detail", running)).content.decode()
    assert "结账后，每户积分保留，结转下期。" in body
    assert "结账后不能撤销" in body and url("round_close", running) in body


def test_closing_a_clearing_round_says_how_many_households_and_points_go(admin, community):
    round_, _items = open_round_with(community, balance_policy="clear")
    for amount in (30, 50, 0):
        household = HouseholdFactory(community=community)
        if amount:
            give_points(household, amount)
        else:
            Account.objects.create(community=community, household=household)
    give_points(HouseholdFactory(), 99)  # a household of another community

    response = admin.get(url("round_detail", round_))

    assert (response.context["expiry"].households, response.context["expiry"].points) == (2, 80)
    assert "结账后，所有存折积分清零，共 2 户 80 分将清零。" in response.content.decode()


def test_closing_a_capped_round_counts_only_points_over_the_cap(admin, community):
    round_, _items = open_round_with(community, balance_policy="cap", balance_cap=40)
    for amount in (30, 50, 100):
        give_points(HouseholdFactory(community=community), amount)

    body = admin.get(url("round_detail", round_)).content.decode()

    assert "结账后，每户最多保留 40 分，超出部分清零，共 2 户 70 分将清零。" in body


def test_admin_closes_a_round_after_ticking_the_box(admin, community):
    round_, _items = open_round_with(community, balance_policy="clear")
    household = HouseholdFactory(community=community)
    give_points(household, 30)

    unticked = admin.post(url("round_close", round_))
    round_.refresh_from_db()
    assert unticked.status_code == 400 and round_.status == "open"
    assert "请先勾选确认，再结账" in unticked.content.decode()

    response = admin.post(url("round_close", round_), {"confirm": "on"}, follow=True)

    round_.refresh_from_db()
    assert response.redirect_chain[-1][0] == url("round_settlement", round_)
    assert (round_.status, round_.closed_by) == ("closed", admin.user)
    assert (round_.expired_households, round_.expired_points) == (1, 30)
    assert Account.objects.get(household=household).balance == 0
    assert LedgerEntry.objects.filter(kind="expire").count() == 1
    assert "1 户共 30 分已清零" in response.content.decode()


def test_closing_a_closed_round_again_is_a_conflict(admin, running):
    services.close_round(round_=running, by=UserFactory())
    response = admin.post(url("round_close", running), {"confirm": "on"})
    assert response.status_code == 409
    assert "只有正在兑换的兑换期可以结账" in response.content.decode()


def test_only_admins_open_and_close(staff_client, running, draft):
    RoundItemFactory(round=draft)
    assert staff_client.post(url("round_close", running), {"confirm": "on"}).status_code == 403
    assert staff_client.post(url("round_open", draft), {"confirm": "on"}).status_code == 403
    running.refresh_from_db()
    draft.refresh_from_db()
    assert (running.status, draft.status) == ("open", "draft")


def test_open_and_close_accept_only_post(admin, running, draft):
    assert admin.get(url("round_open", draft)).status_code == 405
    assert admin.get(url("round_close", running)).status_code == 405


# Another community -----------------------------------------------------------------------


@pytest.fixture
def other_admin(other_community) -> Client:
    client = Client()
    client.force_login(StaffMembershipFactory(community=other_community, role="admin").user)
    return client


@pytest.mark.parametrize(
    ("name", "method", "with_item"),
    [
        ("round_detail", "get", False),
        ("round_edit", "get", False),
        ("round_edit", "post", False),
        ("round_item_add", "post", False),
        ("round_item_edit", "post", True),
        ("round_item_remove", "post", True),
        ("round_open", "post", False),
        ("round_close", "post", False),
    ],
)
def test_another_communitys_round_is_not_found(other_admin, draft, name, method, with_item):
    item = RoundItemFactory(round=draft)
    args = (draft, item) if with_item else (draft,)
    before = (Round.objects.values().get(pk=draft.pk), list(RoundItem.objects.values()))

    response = getattr(other_admin, method)(url(name, *args), {"confirm": "on", "stock": "1"})

    assert response.status_code == 404
    assert (Round.objects.values().get(pk=draft.pk), list(RoundItem.objects.values())) == before
