"""A household at the counter: its balance, the items with their limits and what it took,
and redeeming through the page — with every refusal shown and nothing changed."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points.models import LedgerEntry
from redemption import services
from redemption.models import Redemption
from residents.models import Household
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
)
from tests.redemption.counter.pages import (
    HOUSEHOLD_PHONE,
    MEMBER_PHONE,
    _client,
    balance,
    counter_url,
    form_data,
    household_url,
    receipt_url,
    redeem,
    snapshot,
    submission_key_in,
    texts,
)
from tests.redemption.factories import RewardFactory, RoundItemFactory, give_points, open_round_with

pytestmark = pytest.mark.django_db


def test_the_household_page_shows_balance_items_limits_what_it_took_full_names_and_no_phone(
    counter_client, funded, round_, items, clerk
):
    soap, oil = items
    oil.per_household_limit = 2
    oil.save()
    earlier = redeem(funded, {oil: 1}, by=clerk)
    response = counter_client.get(household_url(funded))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "SX-00123",
        "山鑫阳光城一期5号302室",
        "郑兴友",  # in full: the clerk checks who is at the counter (issue 17)
        "李秀英",
        ">90<",  # the balance
        soap.reward.name,
        oil.reward.name,
        "10 分/瓶",
        "每户限 2 瓶",
        "本期已兑 1 瓶",
        "剩 49 瓶",
        earlier.number,
        receipt_url(earlier),
        'name="submission_key"',
        f'name="qty_{soap.pk}"',
    ):
        assert text in body, text
    for secret in (MEMBER_PHONE, HOUSEHOLD_PHONE, "党员", "☭", "8.50"):
        assert secret not in body, secret
    assert response.context["can_redeem"]


def test_each_showing_of_the_form_gets_a_fresh_submission_key(counter_client, funded, round_):
    first = submission_key_in(counter_client.get(household_url(funded)).content.decode())
    second = submission_key_in(counter_client.get(household_url(funded)).content.decode())
    assert first != second
    uuid.UUID(first)


def test_a_picture_is_shown_only_for_a_reward_that_has_one(
    counter_client, funded, round_, items, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    reward = items[0].reward
    reward.picture = "rewards/2026/11/soap.png"
    reward.save()
    body = counter_client.get(household_url(funded)).content.decode()
    assert body.count('class="counter-item__picture"') == 1
    assert reverse("redemption:reward_picture", args=[reward.pk]) in body


def test_redeeming_takes_the_points_and_stock_and_goes_to_the_receipt(
    counter_client, funded, round_, items
):
    soap, oil = items
    response = counter_client.post(household_url(funded), form_data(items, {soap: 2, oil: 1}))
    redemption = Redemption.objects.get()
    assert response.status_code == 302
    assert response.url == receipt_url(redemption)
    assert texts(response) == [f"兑换成功：兑换单 {redemption.number}，扣 30 分。"]
    assert redemption.number == "SX-2026Q4-0001"
    assert redemption.household == funded and redemption.created_by == counter_client.user
    assert balance(funded) == 70
    soap.refresh_from_db()
    oil.refresh_from_db()
    assert (soap.taken, oil.taken) == (2, 1)
    round_.refresh_from_db()
    assert round_.spent_yuan == Decimal("25.50")
    assert sorted(redemption.lines.values_list("quantity", flat=True)) == [1, 2]


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_admins_and_staff_may_redeem_too(community, funded, round_, items, role):
    client = _client(community, role)
    response = client.post(household_url(funded), form_data(items, {items[0]: 1}))
    assert response.status_code == 302
    assert balance(funded) == 90


def test_the_same_form_submitted_twice_makes_one_redemption_and_one_entry(
    counter_client, funded, round_, items
):
    data = form_data(items, {items[0]: 3})
    first = counter_client.post(household_url(funded), data)
    second = counter_client.post(household_url(funded), data)
    redemption = Redemption.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == receipt_url(redemption)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEM).count() == 1
    assert balance(funded) == 70
    items[0].refresh_from_db()
    assert items[0].taken == 3


class TestRefusalsThroughThePage:
    """Each refusal: status 400, the service's Chinese message, the quantities kept with the
    same submission key, and nothing changed."""

    def refused(self, client, household, round_, data, *, form_shown=True) -> str:
        before = snapshot(round_, household)
        response = client.post(household_url(household), data)
        assert response.status_code == 400
        assert snapshot(round_, household) == before
        body = response.content.decode()
        assert 'role="alert"' in body
        if form_shown:
            assert f'value="{data["submission_key"]}"' in body
        return body

    def test_not_enough_points(self, counter_client, funded, round_, items):
        data = form_data(items, {items[0]: 11})
        body = self.refused(counter_client, funded, round_, data)
        assert "存折 SX-00123 的余额（100 分）不够扣减 110 分。" in body
        assert 'value="11"' in body

    def test_not_enough_stock(self, counter_client, funded, round_, items):
        items[0].stock = 2
        items[0].save()
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 3}))
        assert f"{items[0].reward.name} 库存只剩 2 瓶，不够兑换 3 瓶。" in body

    def test_over_the_households_limit(self, counter_client, funded, round_, items, clerk):
        items[0].per_household_limit = 2
        items[0].save()
        redeem(funded, {items[0]: 1}, by=clerk)
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 2}))
        assert "每户本期限兑 2 瓶，这户已兑 1 瓶，这次最多还能兑 1 瓶。" in body

    def test_over_the_budget(self, counter_client, community, funded):
        round_, items = open_round_with(community, items=1, budget_yuan=Decimal("10.00"))
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 2}))
        assert "本期预算还剩 10.00 元，这次兑换要 17.00 元，超出预算。" in body

    def test_before_the_round_opens(self, counter_client, community, funded):
        today = timezone.localdate()
        round_, items = open_round_with(
            community,
            opens_on=today + datetime.timedelta(days=1),
            closes_on=today + datetime.timedelta(days=9),
        )
        assert counter_client.get(household_url(funded)).context["can_redeem"] is False
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 1}))
        assert "开始兑换，现在还不能兑换。" in body

    def test_no_open_round(self, counter_client, funded, round_, items, admin_client_of_community):
        services.close_round(round_=round_, by=admin_client_of_community.user)
        data = form_data(items, {items[0]: 1})
        body = self.refused(counter_client, funded, round_, data, form_shown=False)
        assert "现在没有开放的兑换期，不能兑换。" in body

    def test_a_moved_out_household(self, counter_client, funded, round_, items):
        funded.status = Household.Status.MOVED_OUT
        funded.moved_out_on = timezone.localdate()
        funded.save()
        page = counter_client.get(household_url(funded))
        assert page.status_code == 200
        assert page.context["can_redeem"] is False
        assert "不能兑换" in page.content.decode()
        assert "<fieldset disabled>" in page.content.decode()
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 1}))
        assert "存折 SX-00123 这户已迁出，不能兑换。" in body

    def test_nothing_chosen(self, counter_client, funded, round_, items):
        body = self.refused(counter_client, funded, round_, form_data(items))
        assert "请至少选择一样物品。" in body

    @pytest.mark.parametrize(
        ("value", "message"),
        [("-1", "数量不能小于 0。"), ("abc", "请填写整数。"), ("100", "一次最多兑换 99 个。")],
    )
    def test_a_bad_quantity(self, counter_client, funded, round_, items, value, message):
        data = form_data(items, {items[1]: 1})
        data[f"qty_{items[0].pk}"] = value
        body = self.refused(counter_client, funded, round_, data)
        assert message in body

    def test_an_item_of_another_round_is_ignored_and_nothing_is_chosen(
        self, counter_client, funded, round_, items
    ):
        stray = RoundItemFactory(round__community=funded.community, round__code="OLD")
        data = form_data(items)
        data[f"qty_{stray.pk}"] = "1"
        body = self.refused(counter_client, funded, round_, data)
        assert "请至少选择一样物品。" in body

    @pytest.mark.parametrize("key", ["", "not-a-uuid"])
    def test_a_missing_or_broken_submission_key(self, counter_client, funded, round_, items, key):
        before = snapshot(round_, funded)
        data = form_data(items, {items[0]: 1})
        data["submission_key"] = key
        response = counter_client.post(household_url(funded), data)
        assert response.status_code == 400
        assert "页面已过期，请刷新后重新填写。" in response.content.decode()
        assert snapshot(round_, funded) == before


def test_the_household_page_without_an_open_round_says_so(counter_client, funded):
    response = counter_client.get(household_url(funded))
    assert response.status_code == 200
    assert "现在没有开放的兑换期" in response.content.decode()
    assert response.context["can_redeem"] is False


def test_a_household_with_0_points_gets_a_plain_state_instead_of_the_order_form(
    counter_client, household, round_, items
):
    """Issue 17, item 11: no order form to fill in for nothing."""
    body = counter_client.get(household_url(household)).content.decode()
    assert "积分为 0" in body
    assert 'id="counter-form"' not in body and 'name="submission_key"' not in body
    assert "这户本期的兑换" in body  # what it took earlier stays in view


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_the_household_page_takes_get_and_post_only(counter_client, funded, method):
    assert getattr(counter_client, method)(household_url(funded)).status_code == 405


def test_another_communitys_household_is_not_found_at_our_counter(
    other_staff_client, other_counter_client, funded, round_, items
):
    for client in (other_staff_client, other_counter_client):
        assert client.get(household_url(funded)).status_code == 404
        data = form_data(items, {items[0]: 1})
        assert client.post(household_url(funded), data).status_code == 404
    assert Redemption.objects.count() == 0
    assert balance(funded) == 100


def test_the_household_page_costs_the_same_queries_however_many_items_and_redemptions(
    counter_client, community, funded, clerk
):
    round_, items = open_round_with(community, items=2)
    give_points(funded, 200)
    redeem(funded, {items[0]: 1}, by=clerk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert counter_client.get(household_url(funded)).status_code == 200
        return len(queries)

    few = count()
    for _ in range(6):
        RoundItemFactory(round=round_, reward=RewardFactory(community=community, unique=True))
    for _ in range(5):
        redeem(funded, {items[0]: 1, items[1]: 1}, by=clerk)
    assert count() == few
    assert few <= 11  # sign-in 3, household, members, round, items, taken, account, 2 history


def test_the_counter_search_costs_the_same_queries_however_many_households_match(
    counter_client, community, compound, round_, django_assert_max_num_queries
):
    def search() -> int:
        with CaptureQueriesContext(connection) as queries:
            counter_client.get(counter_url(q="101"))
        return len(queries)

    for n in range(2):
        household = HouseholdFactory(
            community=community, compound=compound, building=str(n + 1), room="101"
        )
        MemberFactory(household=household)
    few = search()
    for n in range(10):
        household = HouseholdFactory(
            community=community, compound=compound, building=str(n + 10), room="101"
        )
        MemberFactory(household=household)
    assert search() == few
    with django_assert_max_num_queries(7):
        counter_client.get(counter_url(q="101"))
