"""Redemption demo data for the demo communities: the community shop's catalogue, the two
quarters before this one replayed as settled rounds, and this quarter's round open at the
counter, with the redemptions of the households that had the points.

Everything goes through redemption.services, as the counter would: each round is opened
on its first day (`open_round(on=...)`), households come to the counter on days inside it
(`redeem(on=...)`, the entry dated that day) and the past rounds are settled on their last
day (`close_round(on=...)`). A visit spends no more than the passbook held on its day
nor than the lowest balance on any later day, so no balance, then or now, is driven below
zero. A few of this quarter's redemptions are cancelled: today's, since `cancel` dates
the reversing entry today. Each earlier redemption's `created_at`, and each round's
`created_at` and `opened_at`, is then moved to a time on its day; the ledger entries are
insert-only and keep their `occurred_on`, and a settled round keeps the real `closed_at`
(the database refuses any change to it).

`residents`' seed_demo command calls `seed_demo` below after points.demo. A community that
already has a reward catalogue is left alone, so running it again changes nothing, and a
database seeded before this app existed gains its redemption data. Like the volunteering
demo, the rounds are the quarters around today, and choices come from a fixed-seed
`random.Random` over the households in a fixed order: the same seed on the same day gives
the same data.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from points.demo import demo_user
from points.models import Account, LedgerEntry
from redemption import services
from redemption.models import Redemption, Reward, Round, RoundItem
from redemption.selectors import settlement
from residents.models import Community, Household

DEMO_SEED = 20261125
QUARTER_NAMES = ("一", "二", "三", "四")
CANCEL_REASONS = (
    "物品拿错了，退回后重新开单",
    "兑换员录错数量，物品已收回",
    "居民改变主意，物品退回",
)
# A household comes once it has at least this much (drawn per visit): many save up.
SAVING_TARGETS = (5, 5, 10, 10, 15, 20, 30)
EXTRA_SHARE = 0.45  # a visit stops after each item with this chance
COUNTER_HOURS = ((8, 30), (9, 0), (9, 40), (10, 15), (10, 50), (13, 40), (14, 20), (15, 30))


@dataclass(frozen=True)
class RewardSpec:
    """A catalogue item. `weight` is how often a household picks it, `most` how many one
    visit takes at most; `stock` is a round's stock at 山鑫阳光城 (scaled for the others)."""

    name: str
    unit: str
    point_price: int
    cost_yuan: str
    note: str
    weight: int
    most: int
    stock: int
    limit: int | None = None


# About 4–5 points a yuan, as in the seed documents (146 points bought 30 yuan of vegetables).
CATALOGUE = (
    RewardSpec("青菜", "斤", 5, "1.20", "当季蔬菜", weight=6, most=4, stock=200, limit=10),
    RewardSpec("肥皂", "块", 6, "1.50", "洗衣皂", weight=3, most=3, stock=100),
    RewardSpec("水果", "斤", 10, "2.50", "当季水果", weight=4, most=3, stock=100, limit=6),
    RewardSpec("洗手液", "瓶", 15, "3.80", "250毫升", weight=4, most=1, stock=60, limit=2),
    RewardSpec("鸡蛋", "盒", 25, "6.00", "10只装", weight=5, most=1, stock=30, limit=2),
    RewardSpec("洗衣液", "瓶", 30, "7.50", "1公斤", weight=3, most=1, stock=20, limit=1),
    RewardSpec("大米", "袋", 40, "10.00", "5斤装", weight=3, most=1, stock=15, limit=1),
    RewardSpec("食用油", "桶", 60, "15.00", "1.8升", weight=3, most=1, stock=10, limit=1),
)


@dataclass(frozen=True)
class RoundSpec:
    """A round `quarters_ago` quarters before this one (0: this quarter, left open)."""

    quarters_ago: int
    budget_share: Decimal  # of the community plan's budget
    policy: str = Round.BalancePolicy.CARRY
    cap: int | None = None
    note: str = ""
    # This quarter's eggs sell out early: one item on the residents' page says 已兑完.
    short_stock: tuple[tuple[str, int], ...] = ()


ROUNDS = (
    RoundSpec(2, Decimal("1"), note="端午前后兑换"),
    RoundSpec(
        1,
        Decimal("1"),
        policy=Round.BalancePolicy.CAP,
        cap=200,
        note="结账时每户最多保留 200 分",
    ),
    RoundSpec(0, Decimal("1.2"), note="年底前兑换，积分可留到明年", short_stock=(("鸡蛋", 10),)),
)


@dataclass(frozen=True)
class RedemptionPlan:
    slug: str
    seed: int
    admin_username: str
    counter_username: str
    budget_yuan: Decimal
    stock_share: Decimal  # of CATALOGUE's stock
    turnout: float  # share of the households with points that come in a round
    cancellations: int  # in this quarter's round


PLANS = {
    plan.slug: plan
    for plan in (
        RedemptionPlan(
            slug="shanxin",
            seed=DEMO_SEED,
            admin_username="sx_admin",
            counter_username="sx_counter",
            budget_yuan=Decimal("1000.00"),
            stock_share=Decimal("1"),
            turnout=0.6,
            cancellations=3,
        ),
        RedemptionPlan(
            slug="qihe3",
            seed=DEMO_SEED + 1,
            admin_username="qh_admin",
            counter_username="qh_staff",
            budget_yuan=Decimal("100.00"),
            stock_share=Decimal("0.1"),
            turnout=0.6,
            cancellations=1,
        ),
    )
}


def quarter(
    today: datetime.date, quarters_ago: int
) -> tuple[int, int, datetime.date, datetime.date]:
    """(year, quarter number, first day, last day) of the quarter `quarters_ago` before
    the one holding `today`."""
    index = today.year * 4 + (today.month - 1) // 3 - quarters_ago
    year, number = divmod(index, 4)
    first = datetime.date(year, number * 3 + 1, 1)
    after = datetime.date(year + 1, 1, 1) if number == 3 else datetime.date(year, number * 3 + 4, 1)
    return year, number + 1, first, after - datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class _Passbooks:
    """What each household's passbook held on each day: its entries as (day, amount), so a
    visit can spend only what was there then and is still there on every later day."""

    entries: dict[int, list[tuple[datetime.date, int]]] = field(default_factory=dict)

    @classmethod
    def load(cls, community: Community) -> _Passbooks:
        rows = LedgerEntry.objects.filter(community=community).values_list(
            "account__household_id", "occurred_on", "amount"
        )
        entries: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
        for household_id, day, amount in rows.order_by("occurred_on", "pk"):
            entries[household_id].append((day, amount))
        return cls(dict(entries))

    def spendable(self, household_id: int, day: datetime.date) -> int:
        """The lowest balance from `day` on: what a visit on `day` may spend."""
        entries = sorted(self.entries.get(household_id, []), key=lambda e: e[0])
        balance = sum(amount for d, amount in entries if d <= day)
        lowest = balance
        for d, amount in entries:
            if d > day:
                balance += amount
                lowest = min(lowest, balance)
        return max(lowest, 0)

    def spend(self, household_id: int, day: datetime.date, points: int) -> None:
        self.entries.setdefault(household_id, []).append((day, -points))


@dataclass
class _Seeder:
    plan: RedemptionPlan
    community: Community
    admin: AbstractBaseUser
    counter: AbstractBaseUser
    today: datetime.date
    rng: random.Random

    def catalogue(self) -> dict[str, Reward]:
        rewards = Reward.objects.bulk_create(
            Reward(
                community=self.community,
                name=spec.name,
                unit=spec.unit,
                point_price=spec.point_price,
                cost_yuan=Decimal(spec.cost_yuan),
                note=spec.note,
            )
            for spec in CATALOGUE
        )
        return {reward.name: reward for reward in rewards}

    def round(self, spec: RoundSpec, rewards: dict[str, Reward]) -> Round:
        """A draft round of its quarter with every catalogue item, the stock scaled."""
        year, number, first, last = quarter(self.today, spec.quarters_ago)
        round_ = Round.objects.create(
            community=self.community,
            name=f"{year}年第{QUARTER_NAMES[number - 1]}季度",
            code=f"{year}Q{number}",
            opens_on=first,
            closes_on=last,
            budget_yuan=(self.plan.budget_yuan * spec.budget_share).quantize(Decimal("0.01")),
            balance_policy=spec.policy,
            balance_cap=spec.cap,
            note=spec.note,
            created_by=self.admin,
        )
        items = []
        for reward_spec in CATALOGUE:
            stock = dict(spec.short_stock).get(reward_spec.name, reward_spec.stock)
            items.append(
                RoundItem(
                    community=self.community,
                    round=round_,
                    reward=rewards[reward_spec.name],
                    point_price=reward_spec.point_price,
                    cost_yuan=Decimal(reward_spec.cost_yuan),
                    stock=max(round(stock * self.plan.stock_share), 3),
                    per_household_limit=reward_spec.limit,
                )
            )
        RoundItem.objects.bulk_create(items)
        # Prepared about ten days before it opened.
        Round.objects.filter(pk=round_.pk).update(
            created_at=_at(first, 10, 0) - datetime.timedelta(days=10)
        )
        return round_

    def visits(
        self, round_: Round, households: list[Household]
    ) -> list[tuple[datetime.date, Household]]:
        """Who comes to the counter on which day, in the order they come. This quarter's
        round runs until today, and a few households come today."""
        last = min(round_.closes_on, self.today)
        days = (last - round_.opens_on).days
        planned = []
        for household in households:
            if self.rng.random() >= self.plan.turnout:
                continue
            # More people come in the first weeks than at the end.
            offset = int(days * self.rng.random() ** 1.6)
            planned.append((round_.opens_on + datetime.timedelta(days=offset), household))
        if round_.closes_on >= self.today and planned:
            for index in self.rng.sample(range(len(planned)), min(4, len(planned))):
                planned[index] = (self.today, planned[index][1])
        return sorted(planned, key=lambda visit: (visit[0], visit[1].pk))

    def basket(
        self, items: list[RoundItem], points: int, budget: Decimal, taken: dict[int, int]
    ) -> dict[int, int]:
        """What a household with `points` to spend takes: the thing it saved up for (the
        dearer items are picked more often), then perhaps a few small things, within the
        stock, its limits and the round's budget left."""
        specs = {spec.name: spec for spec in CATALOGUE}
        wanted: dict[int, int] = defaultdict(int)
        left = points

        def options() -> list[RoundItem]:
            return [
                item
                for item in items
                if item.point_price <= left
                and item.cost_yuan <= budget
                and item.taken + wanted[item.pk] < item.stock
                and wanted[item.pk] < specs[item.reward.name].most
                and (
                    item.per_household_limit is None
                    or taken.get(item.pk, 0) + wanted[item.pk] < item.per_household_limit
                )
            ]

        choice = options()
        weights = [specs[i.reward.name].weight * i.point_price for i in choice]
        while choice:
            item = self.rng.choices(choice, weights)[0]
            wanted[item.pk] += 1
            left -= item.point_price
            budget -= item.cost_yuan
            if self.rng.random() < EXTRA_SHARE:
                break  # the rest stays in the passbook for next time
            choice = options()
            weights = [specs[i.reward.name].weight for i in choice]
        return {pk: quantity for pk, quantity in wanted.items() if quantity}

    def replay(
        self, round_: Round, households: list[Household], passbooks: _Passbooks
    ) -> list[Redemption]:
        """Open the round on its first day and serve its visitors, day by day."""
        round_ = services.open_round(round_=round_, by=self.admin, on=round_.opens_on)
        Round.objects.filter(pk=round_.pk).update(opened_at=_at(round_.opens_on, 8, 0))
        items = list(round_.items.select_related("reward").order_by("point_price", "pk"))
        by_pk = {item.pk: item for item in items}
        cheapest = min(item.point_price for item in items)
        taken: dict[int, dict[int, int]] = defaultdict(dict)
        budget = round_.budget_yuan
        made = []
        for day, household in self.visits(round_, households):
            points = passbooks.spendable(household.pk, day)
            if points < max(cheapest, self.rng.choice(SAVING_TARGETS)):
                continue  # saving up for something dearer
            wanted = self.basket(items, points, budget, taken[household.pk])
            if not wanted:
                continue
            at = None
            if day < self.today:
                hour, minute = self.rng.choice(COUNTER_HOURS)
                at = _at(day, hour, minute) + datetime.timedelta(minutes=self.rng.randrange(20))
            redemption = services.redeem(
                community=self.community,
                household=household,
                quantities=wanted,
                submission_key=uuid.UUID(int=self.rng.getrandbits(128), version=4),
                by=self.counter,
                on=day,
                at=at,
            )
            for pk, quantity in wanted.items():
                by_pk[pk].taken += quantity
                taken[household.pk][pk] = taken[household.pk].get(pk, 0) + quantity
            budget -= redemption.cost_yuan
            passbooks.spend(household.pk, day, redemption.points)
            made.append(redemption)
        return made

    def cancel(self, made: list[Redemption]) -> int:
        """Take back a few of this quarter's redemptions (today's first: a wrong item is
        noticed at the counter), giving their points back."""
        chosen = sorted(made, key=lambda r: r.pk, reverse=True)[: self.plan.cancellations]
        for redemption in chosen:
            services.cancel(
                redemption=redemption, reason=self.rng.choice(CANCEL_REASONS), by=self.admin
            )
        return len(chosen)

    def run(self) -> None:
        rewards = self.catalogue()
        households = list(
            Household.objects.filter(
                community=self.community,
                status=Household.Status.ACTIVE,
                pk__in=Account.objects.filter(community=self.community, balance__gt=0).values(
                    "household_id"
                ),
            ).order_by("pk")
        )
        passbooks = _Passbooks.load(self.community)
        for spec in ROUNDS:
            round_ = self.round(spec, rewards)
            made = self.replay(round_, households, passbooks)
            if spec.quarters_ago == 0:
                self.cancel(made)
            else:
                services.close_round(round_=round_, by=self.admin, on=round_.closes_on)
                passbooks = _Passbooks.load(self.community)  # with any expiry entries


def _yuan(value: Decimal) -> str:
    return f"{value:.2f}"


def _summary(community: Community) -> str:
    parts = []
    for round_ in Round.objects.filter(community=community).order_by("opens_on"):
        report = settlement(round_)
        state = round_.get_status_display()
        expired = (
            f"，清零 {round_.expired_households} 户 {round_.expired_points} 分"
            if round_.status == Round.Status.CLOSED and round_.balance_policy != "carry"
            else ""
        )
        parts.append(
            f"{round_.name}（{state}）{report.households} 户兑换 {report.redemptions} 次"
            f"{f'（另取消 {report.cancelled} 次）' if report.cancelled else ''}，"
            f"{report.points} 分，{_yuan(report.yuan)} 元 / 预算 {_yuan(round_.budget_yuan)} 元"
            f"{expired}"
        )
    rewards = Reward.objects.filter(community=community).count()
    return f"{community.name}：兑换物品 {rewards} 种；" + "；".join(parts)


def seed_community(plan: RedemptionPlan, community: Community) -> str:
    """One community's catalogue and rounds; returns its summary line."""
    if (
        Reward.objects.filter(community=community).exists()
        or Round.objects.filter(community=community).exists()
    ):
        return f"{community.name}：已有兑换数据，未改动"
    admin = demo_user(community, plan.admin_username)
    counter = demo_user(community, plan.counter_username)
    if admin is None or counter is None:
        return f"{community.name}：还没有工作人员账号，暂不生成兑换数据"
    _Seeder(
        plan=plan,
        community=community,
        admin=admin,
        counter=counter,
        today=timezone.localdate(),
        rng=random.Random(plan.seed),
    ).run()
    return _summary(community)


@transaction.atomic
def seed_demo(*, communities: Mapping[str, Community]) -> list[str]:
    """Redemption data for each demo community (by slug) that has no catalogue yet."""
    return [
        seed_community(PLANS[slug], community)
        for slug, community in communities.items()
        if slug in PLANS
    ]
