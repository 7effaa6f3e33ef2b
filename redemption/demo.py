"""Redemption demo data for the demo communities: the community shop's catalogue, the two
quarters before this one replayed as settled rounds, and this quarter's round open at the
counter, with the redemptions of the households that had the points.

Everything goes through redemption.services, as the counter would, at its moment on the
demo's timeline (residents.demo_steps), replayed in date order with points' reviews: each
round is opened on its first day (`open_round(on=...)`), households come to the counter
at times inside it (`redeem(on=..., at=...)`, the redemption and its entry written then)
and the past rounds are settled on their last day at 5 pm (`close_round(on=...)`, any
expiry entries written then). A visit spends no more than the passbook holds at that
moment, so no balance is driven below zero. A few of this quarter's redemptions are
cancelled: today's, since `cancel` dates the reversing entry today. Each round's
`created_at` and `opened_at` is then moved to a time on its day.

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
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from points.demo import demo_user
from points.models import Account
from redemption import services
from redemption.models import Redemption, Reward, Round, RoundItem
from redemption.selectors import settlement
from residents.demo_steps import DemoTimeline, Line, demo_steps
from residents.models import Community, Household
from volunteering.models import Attendance

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
OPENING_TIME = datetime.time(8, 0)
CLOSING_TIME = datetime.time(17, 0)  # redemption.services settles a past day at 5 pm
CANCEL_TIME = datetime.time(23, 59)  # today's, after the day's visits


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
class _Seeder:
    plan: RedemptionPlan
    community: Community
    admin: AbstractBaseUser
    counter: AbstractBaseUser
    today: datetime.date
    rng: random.Random
    timeline: DemoTimeline

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

    def schedule(self, spec: RoundSpec, round_: Round, households: list[Household]) -> None:
        """Put the round on the timeline: opened on its first day, its visitors served at
        their times, then settled on its last day (a past round) or a few of its
        redemptions cancelled today (this quarter's)."""
        replay = _Replay(self, round_)
        self.timeline.at(round_.opens_on, OPENING_TIME, replay.open)
        for day, household in self.visits(round_, households):
            hour, minute = self.rng.choice(COUNTER_HOURS)
            minutes = hour * 60 + minute + self.rng.randrange(20)
            time = datetime.time(minutes // 60, minutes % 60)
            self.timeline.at(day, time, partial(replay.visit, day, household))
        if spec.quarters_ago == 0:
            self.timeline.at(self.today, CANCEL_TIME, replay.cancel)
        else:
            self.timeline.at(round_.closes_on, CLOSING_TIME, replay.close)

    def run(self) -> None:
        rewards = self.catalogue()
        # The households that volunteer (only they get points, carry-overs included); who
        # has enough to spend is seen at each visit, when the timeline is replayed.
        households = list(
            Household.objects.filter(
                community=self.community,
                status=Household.Status.ACTIVE,
                pk__in=Attendance.objects.filter(community=self.community).values(
                    "member__household_id"
                ),
            ).order_by("pk")
        )
        for spec in ROUNDS:
            self.schedule(spec, self.round(spec, rewards), households)


class _Replay:
    """One round's actions, called in date order when the timeline is replayed."""

    def __init__(self, seeder: _Seeder, round_: Round) -> None:
        self.seeder = seeder
        self.round = round_
        self.items: list[RoundItem] = []
        self.taken: dict[int, dict[int, int]] = defaultdict(dict)
        self.budget = round_.budget_yuan
        self.made: list[Redemption] = []

    def open(self, at: datetime.datetime | None) -> None:
        seeder, round_ = self.seeder, self.round
        self.round = services.open_round(round_=round_, by=seeder.admin, on=round_.opens_on)
        if at is not None:
            Round.objects.filter(pk=round_.pk).update(opened_at=at)
        self.items = list(round_.items.select_related("reward").order_by("point_price", "pk"))

    def visit(self, day: datetime.date, household: Household, at: datetime.datetime | None):
        seeder, rng = self.seeder, self.seeder.rng
        points = (
            Account.objects.filter(household=household).values_list("balance", flat=True).first()
            or 0
        )
        cheapest = min(item.point_price for item in self.items)
        if points < max(cheapest, rng.choice(SAVING_TARGETS)):
            return  # saving up for something dearer
        wanted = seeder.basket(self.items, points, self.budget, self.taken[household.pk])
        if not wanted:
            return
        redemption = services.redeem(
            community=seeder.community,
            household=household,
            quantities=wanted,
            submission_key=uuid.UUID(int=rng.getrandbits(128), version=4),
            by=seeder.counter,
            on=day,
            at=at,
        )
        by_pk = {item.pk: item for item in self.items}
        for pk, quantity in wanted.items():
            by_pk[pk].taken += quantity
            self.taken[household.pk][pk] = self.taken[household.pk].get(pk, 0) + quantity
        self.budget -= redemption.cost_yuan
        self.made.append(redemption)

    def close(self, at: datetime.datetime | None) -> None:
        services.close_round(round_=self.round, by=self.seeder.admin, on=self.round.closes_on)

    def cancel(self, at: datetime.datetime | None) -> None:
        """Take back a few of this quarter's redemptions (today's first: a wrong item is
        noticed at the counter), giving their points back."""
        seeder = self.seeder
        chosen = sorted(self.made, key=lambda r: r.pk, reverse=True)[: seeder.plan.cancellations]
        for redemption in chosen:
            services.cancel(
                redemption=redemption, reason=seeder.rng.choice(CANCEL_REASONS), by=seeder.admin
            )


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


def seed_community(plan: RedemptionPlan, community: Community) -> Line:
    """One community's catalogue and rounds, the rounds' actions put on the demo's
    timeline; returns its summary line (a function, once the actions are on it)."""
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
        timeline=demo_steps.timeline,
    ).run()
    return partial(_summary, community)


@transaction.atomic
def seed_demo(*, communities: Mapping[str, Community]) -> list[Line]:
    """Redemption data for each demo community (by slug) that has no catalogue yet, its
    rounds on the demo's timeline (`demo_steps.finish` replays it)."""
    return [
        seed_community(PLANS[slug], community)
        for slug, community in communities.items()
        if slug in PLANS
    ]
