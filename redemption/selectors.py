"""Reads shared by the counter, the round pages, the settlement and the resident page.

Settlement is aggregated in SQL: the same handful of queries whatever the number of
households in the round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Length

from redemption.models import Redemption, RedemptionLine, Round, RoundItem
from residents.models import Community, Household


def open_round(community: Community | int) -> Round | None:
    community_id = community if isinstance(community, int) else community.pk
    return Round.objects.filter(community_id=community_id).open().first()


def round_items(round_: Round) -> QuerySet[RoundItem]:
    return round_.items.select_related("reward").order_by("point_price", "pk")


def household_redemptions(
    household: Household, *, round_: Round | None = None
) -> QuerySet[Redemption]:
    """A household's redemptions (newest first) with their lines, in one or all rounds."""
    redemptions = Redemption.objects.filter(household=household)
    if round_ is not None:
        redemptions = redemptions.filter(round=round_)
    return redemptions.select_related("round", "created_by").prefetch_related(
        Prefetch("lines", queryset=RedemptionLine.objects.select_related("item__reward"))
    )


@dataclass
class ItemSummary:
    item: RoundItem
    quantity: int
    points: int
    yuan: Decimal

    @property
    def remaining(self) -> int:
        return self.item.stock - self.item.taken


@dataclass
class Settlement:
    round: Round
    households: int = 0
    redemptions: int = 0
    cancelled: int = 0
    points: int = 0
    yuan: Decimal = Decimal(0)
    items: list[ItemSummary] = field(default_factory=list)

    @property
    def budget_left(self) -> Decimal:
        return self.round.budget_yuan - self.yuan

    @property
    def budget_share(self) -> int:
        """Per cent of the budget used (whole number, for the bar)."""
        if not self.round.budget_yuan:
            return 0
        return min(100, round(self.yuan * 100 / self.round.budget_yuan))

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)


def settlement(round_: Round) -> Settlement:
    """The round's report: households served, points redeemed, yuan spent against the
    budget, and each item's quantity and remaining stock. Three queries."""
    kept = Q(cancelled_at__isnull=True)
    totals = Redemption.objects.filter(round=round_).aggregate(
        households=Count("household", distinct=True, filter=kept),
        redemptions=Count("pk", filter=kept),
        cancelled=Count("pk", filter=~kept),
        points=Coalesce(Sum("points", filter=kept), 0),
        yuan=Coalesce(Sum("cost_yuan", filter=kept), Decimal(0)),
    )
    report = Settlement(round=round_, **totals)
    lines = (
        RedemptionLine.objects.filter(
            redemption__round=round_, redemption__cancelled_at__isnull=True
        )
        .values("item_id")
        .annotate(
            total_quantity=Sum("quantity"),
            total_points=Sum(F("quantity") * F("point_price")),
            total_yuan=Sum(F("quantity") * F("cost_yuan")),
        )
    )
    by_item = {row["item_id"]: row for row in lines}
    for item in round_items(round_):
        row = by_item.get(item.pk, {})
        report.items.append(
            ItemSummary(
                item=item,
                quantity=row.get("total_quantity", 0),
                points=row.get("total_points", 0),
                yuan=row.get("total_yuan", Decimal(0)),
            )
        )
    return report


def pick_list(round_: Round) -> QuerySet[RedemptionLine]:
    """Every item handed out in the round, by household address (for the shop to make up
    and check the parcels), cancelled redemptions left out."""
    return (
        RedemptionLine.objects.filter(
            redemption__round=round_, redemption__cancelled_at__isnull=True
        )
        .select_related(
            "item__reward",
            "redemption__household__compound",
            "redemption__household__building_group",
        )
        .order_by(
            # Natural order: building 2 before building 10, room 302 before room 1201.
            "redemption__household__compound__name",
            Length("redemption__household__building"),
            "redemption__household__building",
            "redemption__household__unit",
            Length("redemption__household__room"),
            "redemption__household__room",
            "redemption__number",
            "pk",
        )
    )
