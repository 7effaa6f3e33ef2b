"""Redeeming, cancelling, opening and closing rounds: the services and what PostgreSQL
guarantees behind them."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from points.models import Account, LedgerEntry
from points.selectors import passbook_view, quarter_of
from redemption import selectors, services
from redemption.models import Redemption, RedemptionLine, Round, RoundItem
from residents import services as residents_services
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk():
    return UserFactory()


@pytest.fixture
def household(community):
    return HouseholdFactory(community=community)


def balance(household) -> int:
    return Account.objects.get(household=household).balance


def redeem(community, household, quantities, *, by, key=None):
    return services.redeem(
        community=community,
        household=household,
        quantities=quantities,
        submission_key=key or uuid.uuid4(),
        by=by,
    )


def snapshot(round_):
    """Everything a refused redemption must leave untouched."""
    round_.refresh_from_db()
    return (
        round_.spent_yuan,
        round_.receipt_serial,
        list(round_.items.order_by("pk").values_list("taken", flat=True)),
        Redemption.objects.count(),
        RedemptionLine.objects.count(),
        LedgerEntry.objects.count(),
        list(Account.objects.order_by("pk").values_list("balance", flat=True)),
    )


class TestRedeeming:
    def test_a_redemption_debits_the_points_takes_the_stock_and_the_budget_at_once(
        self, community, household, clerk
    ):
        round_, (soap, oil) = open_round_with(community, items=2, code="2026Q4")
        give_points(household, 100)

        redemption = redeem(community, household, {soap.pk: 2, oil.pk: 1}, by=clerk)

        assert redemption.number == "SX-2026Q4-0001"
        assert redemption.points == 30
        assert redemption.cost_yuan == Decimal("25.50")
        assert balance(household) == 70
        entry = redemption.entry
        assert (entry.kind, entry.amount, entry.balance_after) == ("redeem", -30, 70)
        assert entry.reason == "兑换单 SX-2026Q4-0001"
        assert soap.reward.name in entry.calculation
        soap.refresh_from_db()
        oil.refresh_from_db()
        assert (soap.taken, oil.taken) == (2, 1)
        round_.refresh_from_db()
        assert round_.spent_yuan == Decimal("25.50")
        assert sorted(redemption.lines.values_list("quantity", flat=True)) == [1, 2]

    def test_receipt_numbers_follow_on_within_a_round(self, community, clerk):
        _round, (item,) = open_round_with(community, code="2026Q4")
        numbers = []
        for _ in range(3):
            household = HouseholdFactory(community=community)
            give_points(household, 10)
            numbers.append(redeem(community, household, {item.pk: 1}, by=clerk).number)
        assert numbers == ["SX-2026Q4-0001", "SX-2026Q4-0002", "SX-2026Q4-0003"]

    def test_submitting_the_same_form_twice_creates_one_redemption(
        self, community, household, clerk
    ):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        key = uuid.uuid4()

        first = redeem(community, household, {item.pk: 1}, by=clerk, key=key)
        second = redeem(community, household, {item.pk: 1}, by=clerk, key=key)

        assert first.pk == second.pk
        assert Redemption.objects.count() == 1
        assert balance(household) == 90

    def test_the_database_refuses_a_second_redemption_with_the_same_key(
        self, community, household, clerk
    ):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        first = redeem(community, household, {item.pk: 1}, by=clerk)
        other_entry = LedgerEntry.objects.filter(kind="adjust").get()
        with pytest.raises(IntegrityError), transaction.atomic():
            Redemption.objects.create(
                community=community,
                round=first.round,
                household=household,
                number="SX-X-9999",
                submission_key=first.submission_key,
                points=first.points,
                cost_yuan=first.cost_yuan,
                entry=other_entry,
                created_by=clerk,
            )


class TestRefusals:
    """Each refusal says why, in Chinese, and changes nothing at all."""

    def refused(self, round_, work) -> ValidationError:
        before = snapshot(round_)
        with pytest.raises(ValidationError) as caught:
            work()
        assert snapshot(round_) == before
        return caught.value

    def test_not_enough_points(self, community, household, clerk):
        round_, (item,) = open_round_with(community)
        give_points(household, 25)
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 3}, by=clerk))
        assert "余额（25 分）不够扣减 30 分" in error.messages[0]

    def test_not_enough_stock(self, community, household, clerk):
        round_, (item,) = open_round_with(community)
        RoundItem.objects.filter(pk=item.pk).update(stock=2)
        give_points(household, 100)
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 3}, by=clerk))
        assert error.code == "stock"
        assert f"{item.reward.name} 库存只剩 2 瓶" in error.messages[0]

    def test_over_the_household_limit_counting_what_it_took_before(
        self, community, household, clerk
    ):
        round_, (item,) = open_round_with(community)
        RoundItem.objects.filter(pk=item.pk).update(per_household_limit=3)
        give_points(household, 100)
        redeem(community, household, {item.pk: 2}, by=clerk)
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 2}, by=clerk))
        assert error.code == "limit"
        assert "每户本期限兑 3 瓶，这户已兑 2 瓶，这次最多还能兑 1 瓶" in error.messages[0]

    def test_a_cancelled_redemption_does_not_count_against_the_limit(
        self, community, household, clerk
    ):
        _round, (item,) = open_round_with(community)
        RoundItem.objects.filter(pk=item.pk).update(per_household_limit=2)
        give_points(household, 100)
        first = redeem(community, household, {item.pk: 2}, by=clerk)
        services.cancel(redemption=first, reason="拿错了", by=clerk)
        assert redeem(community, household, {item.pk: 2}, by=clerk).points == 20

    def test_no_open_round(self, community, household, clerk):
        round_ = RoundFactory(community=community)
        RoundItemFactory(round=round_)
        give_points(household, 100)
        item = round_.items.get()
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 1}, by=clerk))
        assert error.messages == ["现在没有开放的兑换期，不能兑换。"]

    def test_an_open_round_before_its_first_day_or_after_its_last(
        self, community, household, clerk
    ):
        today = timezone.localdate()
        round_, (item,) = open_round_with(
            community,
            opens_on=today + datetime.timedelta(days=1),
            closes_on=today + datetime.timedelta(days=9),
        )
        give_points(household, 100)
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 1}, by=clerk))
        assert "开始兑换，现在还不能兑换" in error.messages[0]
        Round.objects.filter(pk=round_.pk).update(
            opens_on=today - datetime.timedelta(days=9),
            closes_on=today - datetime.timedelta(days=1),
        )
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 1}, by=clerk))
        assert "截止兑换，请结账或延长截止日期" in error.messages[0]

    def test_over_the_rounds_budget(self, community, household, clerk):
        round_, (item,) = open_round_with(community, budget_yuan=Decimal("20.00"))
        give_points(household, 100)
        redeem(community, household, {item.pk: 2}, by=clerk)  # 17.00 of 20.00
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 1}, by=clerk))
        assert error.messages == ["本期预算还剩 3.00 元，这次兑换要 8.50 元，超出预算。"]

    def test_a_household_that_moved_out(self, community, household, clerk):
        round_, (item,) = open_round_with(community)
        give_points(household, 100)
        residents_services.move_out(household=household, on=timezone.localdate())
        error = self.refused(round_, lambda: redeem(community, household, {item.pk: 1}, by=clerk))
        assert "已迁出，不能兑换" in error.messages[0]

    def test_nothing_chosen_or_silly_quantities(self, community, household, clerk):
        round_, (item,) = open_round_with(community)
        give_points(household, 100)
        for quantities in ({}, {item.pk: 0}, {item.pk: -1}, {item.pk: 100}):
            self.refused(round_, lambda q=quantities: redeem(community, household, q, by=clerk))

    def test_an_item_of_another_round(self, community, household, other_community, clerk):
        round_, _items = open_round_with(community)
        _other_round, (foreign,) = open_round_with(other_community)
        give_points(household, 100)
        error = self.refused(
            round_, lambda: redeem(community, household, {foreign.pk: 1}, by=clerk)
        )
        assert error.code == "item"

    def test_a_household_of_another_community(self, community, other_community, clerk):
        round_, (item,) = open_round_with(community)
        stranger = HouseholdFactory(community=other_community)
        give_points(stranger, 100)
        self.refused(round_, lambda: redeem(community, stranger, {item.pk: 1}, by=clerk))


class TestCancelling:
    def test_cancelling_gives_back_points_stock_and_budget_by_a_reversing_entry(
        self, community, household, clerk
    ):
        round_, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 3}, by=clerk)

        cancelled = services.cancel(redemption=redemption, reason="居民改主意了", by=clerk)

        assert cancelled.is_cancelled
        reversal = cancelled.reversal
        assert (reversal.kind, reversal.amount, reversal.reverses_id) == (
            "reverse",
            30,
            redemption.entry_id,
        )
        assert "取消兑换单 " + redemption.number in reversal.reason
        assert balance(household) == 100
        item.refresh_from_db()
        round_.refresh_from_db()
        assert item.taken == 0
        assert round_.spent_yuan == 0
        # Nothing was deleted: the redemption and its entry are still there.
        assert Redemption.objects.filter(pk=redemption.pk).exists()
        assert LedgerEntry.objects.filter(pk=redemption.entry_id).exists()
        report = selectors.settlement(round_)
        assert (report.redemptions, report.cancelled, report.points) == (0, 1, 0)

    def test_the_points_a_cancelled_redemption_gives_back_were_not_earned(
        self, community, household, clerk
    ):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 2}, by=clerk)
        services.cancel(redemption=redemption, reason="错了", by=clerk)
        today = timezone.localdate()
        view = passbook_view(household=household, period=quarter_of(today), before=None)
        assert (view.balance, view.quarter_points) == (100, 0)
        assert not LedgerEntry.objects.earning().exists()

    def test_a_redemption_is_cancelled_once(self, community, household, clerk):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 1}, by=clerk)
        services.cancel(redemption=redemption, reason="错了", by=clerk)
        with pytest.raises(ValidationError, match="已经取消过了"):
            services.cancel(redemption=redemption, reason="再来", by=clerk)
        assert balance(household) == 100

    def test_cancelling_needs_a_reason(self, community, household, clerk):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 1}, by=clerk)
        with pytest.raises(ValidationError):
            services.cancel(redemption=redemption, reason="  ", by=clerk)
        redemption.refresh_from_db()
        assert not redemption.is_cancelled

    def test_a_closed_rounds_redemptions_cannot_be_cancelled(self, community, household, clerk):
        round_, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 1}, by=clerk)
        services.close_round(round_=round_, by=clerk)
        with pytest.raises(ValidationError, match="已经结账"):
            services.cancel(redemption=redemption, reason="晚了", by=clerk)
        assert balance(household) == 90


class TestOpening:
    def test_opening_a_draft_round(self, community, clerk):
        round_ = RoundFactory(community=community)
        RoundItemFactory(round=round_)
        opened = services.open_round(round_=round_, by=clerk)
        assert opened.status == Round.Status.OPEN
        assert opened.opened_by == clerk

    def test_a_round_without_items_does_not_open(self, community, clerk):
        round_ = RoundFactory(community=community)
        with pytest.raises(ValidationError, match="请先添加本期可兑换的物品"):
            services.open_round(round_=round_, by=clerk)

    def test_only_one_round_is_open_at_a_time(self, community, other_community, clerk):
        first, _items = open_round_with(community)
        second = RoundFactory(community=community)
        RoundItemFactory(round=second)
        with pytest.raises(ValidationError, match=f"“{first.name}”正在兑换"):
            services.open_round(round_=second, by=clerk)
        # Another community runs its own round meanwhile.
        elsewhere = RoundFactory(community=other_community)
        RoundItemFactory(round=elsewhere)
        assert services.open_round(round_=elsewhere, by=clerk).status == "open"

    def test_the_database_refuses_a_second_open_round(self, community, clerk):
        open_round_with(community)
        second = RoundFactory(community=community)
        with pytest.raises(IntegrityError), transaction.atomic():
            Round.objects.filter(pk=second.pk).update(status="open", opened_at=timezone.now())

    def test_a_round_past_its_end_does_not_open(self, community, clerk):
        today = timezone.localdate()
        round_ = RoundFactory(
            community=community,
            opens_on=today - datetime.timedelta(days=30),
            closes_on=today - datetime.timedelta(days=1),
        )
        RoundItemFactory(round=round_)
        with pytest.raises(ValidationError, match="已经过了"):
            services.open_round(round_=round_, by=clerk)


@pytest.fixture
def three_households(community):
    """Balances 0 (never opened), 30 and 120, plus one in another community with 90."""
    households = [HouseholdFactory(community=community) for _ in range(3)]
    give_points(households[1], 30)
    give_points(households[2], 120)
    return households


class TestClosing:
    def test_carrying_over_leaves_every_balance_alone(
        self, community, other_community, three_households, clerk
    ):
        round_, _items = open_round_with(community)
        entries = LedgerEntry.objects.count()
        closed = services.close_round(round_=round_, by=clerk)
        assert closed.status == Round.Status.CLOSED
        assert (closed.expired_households, closed.expired_points) == (0, 0)
        assert LedgerEntry.objects.count() == entries

    def test_clearing_posts_an_expiry_entry_for_every_passbook_with_points(
        self, community, other_community, three_households, clerk
    ):
        stranger = HouseholdFactory(community=other_community)
        give_points(stranger, 90)
        round_, _items = open_round_with(
            community, name="2026年第三季度", balance_policy=Round.BalancePolicy.CLEAR
        )
        closed = services.close_round(round_=round_, by=clerk)

        assert (closed.expired_households, closed.expired_points) == (2, 150)
        expiries = LedgerEntry.objects.filter(kind="expire").order_by("amount")
        assert [(e.amount, e.balance_after) for e in expiries] == [(-120, 0), (-30, 0)]
        assert {e.reason for e in expiries} == {"“2026年第三季度”结账，积分清零"}
        assert {e.created_by_id for e in expiries} == {clerk.pk}
        assert Account.objects.filter(community=community, balance__gt=0).count() == 0
        assert balance(stranger) == 90  # another committee's passbooks are not touched

    def test_capping_keeps_n_points_and_clears_only_the_rest(
        self, community, three_households, clerk
    ):
        round_, _items = open_round_with(
            community, balance_policy=Round.BalancePolicy.CAP, balance_cap=50
        )
        closed = services.close_round(round_=round_, by=clerk)
        assert (closed.expired_households, closed.expired_points) == (1, 70)
        assert [balance(h) for h in three_households[1:]] == [30, 50]
        assert "超出 50 分的积分清零" in LedgerEntry.objects.get(kind="expire").reason

    def test_a_round_closes_once_and_then_never_changes(self, community, clerk):
        round_, _items = open_round_with(community)
        services.close_round(round_=round_, by=clerk)
        with pytest.raises(ValidationError):
            services.close_round(round_=round_, by=clerk)
        with pytest.raises(IntegrityError), transaction.atomic():
            Round.objects.filter(pk=round_.pk).update(budget_yuan=Decimal("9999"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Round.objects.filter(pk=round_.pk).update(status="open")

    def test_closing_is_the_same_few_queries_for_any_number_of_households(
        self, community, clerk, django_assert_num_queries
    ):
        def close_with(households: int) -> None:
            for _ in range(households):
                give_points(HouseholdFactory(community=community), 15)
            round_, _items = open_round_with(community, balance_policy="clear")
            with django_assert_num_queries(5):  # savepoint, lock, clear, save, release
                services.close_round(round_=round_, by=clerk)
            assert Account.objects.filter(community=community, balance__gt=0).count() == 0

        close_with(3)
        close_with(40)

    def test_the_ledger_still_reconciles_after_redeeming_cancelling_and_clearing(
        self, community, three_households, clerk
    ):
        round_, (item,) = open_round_with(community, balance_policy="clear")
        redemption = redeem(community, three_households[2], {item.pk: 5}, by=clerk)
        services.cancel(redemption=redemption, reason="错了", by=clerk)
        redeem(community, three_households[2], {item.pk: 4}, by=clerk)
        services.close_round(round_=round_, by=clerk)
        stored = dict(Account.objects.values_list("pk", "balance"))
        summed = dict(
            LedgerEntry.objects.values("account")
            .annotate(s=Sum("amount"))
            .values_list("account", "s")
        )
        assert stored == summed


class TestDatabaseGuards:
    """PostgreSQL refuses what the services never do, even from raw SQL."""

    def test_stock_cannot_be_oversold(self, community):
        _round, (item,) = open_round_with(community)
        with pytest.raises(IntegrityError), transaction.atomic():
            RoundItem.objects.filter(pk=item.pk).update(taken=item.stock + 1)

    def test_the_budget_cannot_be_overspent(self, community):
        round_, _items = open_round_with(community, budget_yuan=Decimal("10"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Round.objects.filter(pk=round_.pk).update(spent_yuan=Decimal("10.01"))

    def test_a_redemption_must_be_paid_by_its_own_redeem_entry(self, community, household, clerk):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 1}, by=clerk)
        with pytest.raises(IntegrityError), transaction.atomic():
            Redemption.objects.filter(pk=redemption.pk).update(points=5)
        adjustment = LedgerEntry.objects.get(kind="adjust")
        with pytest.raises(IntegrityError), transaction.atomic():
            Redemption.objects.filter(pk=redemption.pk).update(entry=adjustment)

    def test_a_line_cannot_take_an_item_of_another_round(self, community, household, clerk):
        _round, (item,) = open_round_with(community)
        give_points(household, 100)
        redemption = redeem(community, household, {item.pk: 1}, by=clerk)
        other_item = RoundItemFactory(round=RoundFactory(community=community))
        with pytest.raises(IntegrityError), transaction.atomic():
            RedemptionLine.objects.create(
                community=community,
                redemption=redemption,
                item=other_item,
                quantity=1,
                point_price=1,
                cost_yuan=1,
            )

    def test_rows_stay_inside_their_community(self, community, other_community, clerk):
        round_ = RoundFactory(community=community)
        foreign_reward = RewardFactory(community=other_community)
        with (
            pytest.raises(IntegrityError),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "INSERT INTO redemption_rounditem (community_id, round_id, reward_id,"
                " point_price, cost_yuan, stock, taken) VALUES (%s, %s, %s, 1, 1, 1, 0)",
                [community.pk, round_.pk, foreign_reward.pk],
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_expiry_entries_take_points_away_and_say_why(self, community, household, clerk):
        give_points(household, 10)
        account = Account.objects.get(household=household)
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                community=community,
                account=account,
                kind="expire",
                amount=-10,
                balance_after=0,
                occurred_on=timezone.localdate(),
                created_by=clerk,
            )
