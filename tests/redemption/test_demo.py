"""The redemption part of `manage.py seed_demo` (redemption.demo), read from the one seeding
all demo tests share (the `seeded_demo` fixture). Seeding twice with the same seed, into a
database that has no redemption data yet, into a community without staff:
test_demo_seeding.py."""

from __future__ import annotations

import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from points.models import Account, LedgerEntry
from redemption import demo
from redemption.models import Redemption, RedemptionLine, Reward, Round, RoundItem
from residents.models import Community
from tests.conftest import DEMO_HOUSEHOLDS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", households=DEMO_HOUSEHOLDS, stdout=out)
    return out.getvalue()


def state() -> dict:
    return {
        "rewards": sorted(Reward.objects.values_list("pk", "name", "point_price")),
        "rounds": sorted(Round.objects.values_list("pk", "status", "spent_yuan")),
        "items": sorted(RoundItem.objects.values_list("pk", "stock", "taken")),
        "redemptions": sorted(
            Redemption.objects.values_list("pk", "number", "points", "cancelled_at")
        ),
        "entries": LedgerEntry.objects.count(),
        "balances": sorted(Account.objects.values_list("household_id", "balance")),
    }


def test_each_community_gets_a_catalogue_two_settled_quarters_and_this_one_open(seeded_demo):
    output = seeded_demo

    today = timezone.localdate()
    for slug in ("shanxin", "qihe3"):
        community = Community.objects.get(slug=slug)
        assert Reward.objects.filter(community=community).count() == len(demo.CATALOGUE) == 8
        rounds = list(Round.objects.filter(community=community).order_by("opens_on"))
        assert [r.status for r in rounds] == ["closed", "closed", "open"]
        assert [r.code for r in rounds] == [
            f"{year}Q{number}" for year, number, *_ in (demo.quarter(today, n) for n in (2, 1, 0))
        ]
        past, last, current = rounds
        assert current.opens_on <= today <= current.closes_on
        assert past.closes_on + datetime.timedelta(days=1) == last.opens_on
        assert last.closes_on + datetime.timedelta(days=1) == current.opens_on
        assert current.balance_policy == Round.BalancePolicy.CARRY
        assert (last.balance_policy, last.balance_cap) == (Round.BalancePolicy.CAP, 200)
        for round_ in rounds:
            assert round_.items.count() == 8
            assert round_.opened_at is not None
            assert round_.opened_by.username == demo.PLANS[slug].admin_username
        assert f"{community.name}：兑换物品 8 种；{past.name}（已结账）" in output

    shanxin = Round.objects.filter(community__slug="shanxin")
    for round_ in shanxin:
        assert round_.redemptions.filter(cancelled_at__isnull=True).count() >= 5
    assert "积分兑换：" in output


def test_redemptions_were_made_at_the_counter_on_days_inside_their_rounds_few_cancelled():
    redemptions = Redemption.objects.select_related("round", "entry", "created_by")
    assert redemptions.count() > 20
    clerks = {plan.counter_username for plan in demo.PLANS.values()}
    for redemption in redemptions:
        day = timezone.localtime(redemption.created_at).date()
        assert redemption.round.opens_on <= day <= redemption.round.closes_on
        assert day == redemption.entry.occurred_on <= timezone.localdate()
        assert redemption.entry.posted_on == day  # written into the passbook that day
        assert redemption.entry.kind == LedgerEntry.Kind.REDEEM
        assert redemption.created_by.username in clerks
        assert redemption.number.startswith(
            f"{redemption.community.passbook_prefix}-{redemption.round.code}-"
        )
    # Over the round's days, not all on one.
    days = {timezone.localtime(r.created_at).date() for r in redemptions}
    assert len(days) > 10

    # A few of this quarter's were cancelled at the counter; settled rounds have none.
    cancelled = Redemption.objects.filter(cancelled_at__isnull=False).select_related(
        "round", "reversal"
    )
    assert cancelled.count() == sum(plan.cancellations for plan in demo.PLANS.values())
    for redemption in cancelled:
        assert redemption.round.status == Round.Status.OPEN
        assert redemption.cancel_reason in demo.CANCEL_REASONS
        assert redemption.reversal.amount == redemption.points


def test_stock_money_and_points_add_up_and_no_passbook_was_ever_below_zero():
    for round_ in Round.objects.all():
        kept = round_.redemptions.filter(cancelled_at__isnull=True)
        assert round_.spent_yuan == (kept.aggregate(total=Sum("cost_yuan"))["total"] or 0)
        assert round_.spent_yuan <= round_.budget_yuan
        assert round_.receipt_serial == round_.redemptions.count()
        for item in round_.items.all():
            lines = RedemptionLine.objects.filter(item=item, redemption__cancelled_at__isnull=True)
            assert item.taken == (lines.aggregate(total=Sum("quantity"))["total"] or 0)
            assert item.taken <= item.stock
            limit = item.per_household_limit
            if limit is not None:
                per_household = lines.values("redemption__household").annotate(
                    total=Sum("quantity")
                )
                assert all(row["total"] <= limit for row in per_household)
        for redemption in kept.prefetch_related("lines"):
            lines = list(redemption.lines.all())
            assert redemption.points == sum(line.points for line in lines)
            assert redemption.cost_yuan == sum(line.yuan for line in lines)

    out = StringIO()
    call_command("reconcile_ledger", stdout=out)  # raises CommandError on any difference
    assert "0 个不符" in out.getvalue()

    # Day by day, as the entries are dated: nobody spent points they did not have yet.
    by_day: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for account_id, day, amount in LedgerEntry.objects.values_list(
        "account_id", "occurred_on", "amount"
    ):
        by_day[account_id][day] += amount
    redeemed = set(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEM).values_list(
            "account_id", flat=True
        )
    )
    assert len(redeemed) > 20
    for account_id in redeemed:
        balance = 0
        for day in sorted(by_day[account_id]):
            balance += by_day[account_id][day]
            assert balance >= 0, (account_id, day)
    assert not Account.objects.filter(balance__lt=0).exists()


def test_running_seed_demo_twice_changes_nothing():
    before = state()

    output = seed()

    assert state() == before
    assert output.count("已有兑换数据，未改动") == 2
