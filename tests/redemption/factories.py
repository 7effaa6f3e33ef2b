import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from points import services as points_services
from redemption.models import Reward, Round, RoundItem
from tests.factories import CommunityFactory, UserFactory


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reward

    community = factory.SubFactory(CommunityFactory)
    name = factory.Iterator(["洗手液", "洗衣液", "食用油", "大米", "鸡蛋", "青菜"])
    unit = "瓶"
    point_price = 10
    cost_yuan = Decimal("8.50")

    class Params:
        unique = factory.Trait(name=factory.Sequence(lambda n: f"物品{n + 1}"))


class RoundFactory(factory.django.DjangoModelFactory):
    """A draft round running this week (today in Asia/Shanghai is inside it)."""

    class Meta:
        model = Round

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"测试兑换期{n + 1}")
    code = factory.Sequence(lambda n: f"T{n + 1}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3))
    budget_yuan = Decimal("1000.00")
    created_by = factory.SubFactory(UserFactory)


class RoundItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundItem

    round = factory.SubFactory(RoundFactory)
    community = factory.SelfAttribute("round.community")
    reward = factory.SubFactory(
        RewardFactory, community=factory.SelfAttribute("..community"), unique=True
    )
    point_price = factory.SelfAttribute("reward.point_price")
    cost_yuan = factory.SelfAttribute("reward.cost_yuan")
    stock = 50


def open_round_with(community, *, items=1, by=None, **round_fields) -> tuple[Round, list]:
    """An open round of `community` offering `items` items (10 points, 8.50 yuan, 50 each)."""
    by = by or UserFactory()
    round_ = RoundFactory(community=community, created_by=by, **round_fields)
    offered = [RoundItemFactory(round=round_) for _ in range(items)]
    round_.status = Round.Status.OPEN
    round_.opened_at = timezone.now()
    round_.opened_by = by
    round_.save()
    return round_, offered


def give_points(household, amount: int, *, by=None):
    """Points in the household's passbook (an admin adjustment, the quickest honest way)."""
    if by is None:  # one clerk for all of them: creating users is slow
        by, _created = get_user_model().objects.get_or_create(username="points-clerk")
    return points_services.adjust(
        household=household, amount=amount, reason="测试：开户积分", by=by
    )
