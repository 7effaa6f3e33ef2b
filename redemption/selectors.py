"""Reads shared by the counter, the round pages, the settlement and the resident page.

Settlement is aggregated in SQL: the same handful of queries whatever the number of
households in the round.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, Length

from points.models import PassbookToken
from points.passbook import token_hash
from points.selectors import mask_name
from redemption.models import Redemption, RedemptionLine, Round, RoundItem
from residents.models import Community, Household, Member
from residents.phones import normalize_digits
from residents.selectors import search_households


def open_round(community: Community | int) -> Round | None:
    community_id = community if isinstance(community, int) else community.pk
    return Round.objects.filter(community_id=community_id).open().first()


def round_items(round_: Round) -> QuerySet[RoundItem]:
    return round_.items.select_related("reward").order_by("point_price", "pk")


def taken_by_household(round_: Round, household: Household | int) -> dict[int, int]:
    """How many of each round item the household has taken in the round (not cancelled)."""
    household_id = household if isinstance(household, int) else household.pk
    rows = (
        RedemptionLine.objects.filter(
            redemption__round=round_,
            redemption__household_id=household_id,
            redemption__cancelled_at__isnull=True,
        )
        .values("item_id")
        .annotate(quantity=Sum("quantity"))
    )
    return {row["item_id"]: row["quantity"] for row in rows}


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
class RoundTotals:
    """What a round's redemptions add up to: households served, redemptions kept and
    cancelled, points redeemed, yuan spent against the budget."""

    round: Round
    households: int = 0
    redemptions: int = 0
    cancelled: int = 0
    points: int = 0
    yuan: Decimal = Decimal(0)

    @property
    def budget_left(self) -> Decimal:
        return self.round.budget_yuan - self.yuan

    @property
    def budget_share(self) -> int:
        """Per cent of the budget used (whole number, for the bar)."""
        if not self.round.budget_yuan:
            return 0
        return min(100, round(self.yuan * 100 / self.round.budget_yuan))


@dataclass
class Settlement(RoundTotals):
    items: list[ItemSummary] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)


_KEPT = Q(cancelled_at__isnull=True)
# Over a round's redemptions.
_TOTALS = {
    "households": Count("household", distinct=True, filter=_KEPT),
    "redemptions": Count("pk", filter=_KEPT),
    "cancelled": Count("pk", filter=~_KEPT),
    "points": Coalesce(Sum("points", filter=_KEPT), 0),
    "yuan": Coalesce(Sum("cost_yuan", filter=_KEPT), Decimal(0)),
}


def round_totals(rounds: Iterable[Round]) -> dict[int, RoundTotals]:
    """Each round's totals by its id. One query, whatever the number of rounds."""
    rounds = list(rounds)
    # Named apart from the redemption's own columns (an annotation may not shadow `points`).
    rows = (
        Redemption.objects.filter(round__in=rounds)
        .values("round_id")
        .annotate(**{f"total_{name}": total for name, total in _TOTALS.items()})
        .order_by()
    )
    by_round = {row["round_id"]: {name: row[f"total_{name}"] for name in _TOTALS} for row in rows}
    return {
        round_.pk: RoundTotals(round=round_, **by_round.get(round_.pk, {})) for round_ in rounds
    }


def settlement(round_: Round) -> Settlement:
    """The round's report: households served, points redeemed, yuan spent against the
    budget, and each item's quantity and remaining stock. Three queries."""
    totals = Redemption.objects.filter(round=round_).aggregate(**_TOTALS)
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
            "redemption__household__compound__sort_key",
            Length("redemption__household__building"),
            "redemption__household__building",
            "redemption__household__unit",
            Length("redemption__household__room"),
            "redemption__household__room",
            "redemption__number",
            "pk",
        )
    )


# Counter


# A passbook link as printed in the QR code (…/p/<token>/), anywhere in what was pasted or
# typed by a USB scanner; a bare token is long and has no spaces (a passbook number is short).
_PASSBOOK_LINK = re.compile(r"/p/(?P<token>[A-Za-z0-9_-]+)/?(?:[?#].*)?$")
_BARE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}$")
_INITIALS = re.compile(r"^[a-z]+$")
COUNTER_RESULTS = 20


@dataclass
class CounterSearch:
    """What the counter's search box found: `households` (at most `COUNTER_RESULTS`),
    `more` when there were more, and `kind` of input ("link", "token", "text")."""

    query: str
    kind: str
    households: list[Household] = field(default_factory=list)
    more: bool = False

    @property
    def single(self) -> Household | None:
        return self.households[0] if len(self.households) == 1 and not self.more else None


def households_for_counter(households: QuerySet[Household]) -> QuerySet[Household]:
    """What the counter shows of a household: address and current members (masked)."""
    return households.select_related("compound").prefetch_related(
        Prefetch(
            "members",
            queryset=Member.objects.filter(is_active=True).order_by("position", "id"),
            to_attr="current_members",
        )
    )


def head_name(household: Household) -> str:
    """The masked name of the head of the household (or of its first member), for telling
    households apart at the counter without showing who lives where to the queue."""
    members = household.current_members
    head = next((m for m in members if m.relation == Member.Relation.HEAD), None)
    head = head or (members[0] if members else None)
    return mask_name(head.name) if head else ""


def find_households_at_counter(households: QuerySet[Household], query: str) -> CounterSearch:
    """Households (of an already scoped queryset) for what the clerk typed, scanned or
    pasted: a passbook link or its bare token, a passbook number (SX-00123, sx123, 123), a
    name or its pinyin initials, an address like 5-302, or a room. In-residence households
    first. Tokens are compared by hash and only unrevoked ones count; looking one up here
    starts no resident session."""
    text = normalize_digits(query)
    text = re.sub(r"\s+", " ", text).strip()
    link = _PASSBOOK_LINK.search(text) if "/" in text else None
    if link or (_BARE_TOKEN.match(text) and not _INITIALS.match(text)):
        token = link["token"] if link else text
        found = households.filter(
            Exists(
                PassbookToken.objects.filter(
                    household=OuterRef("pk"),
                    token_hash=token_hash(token),
                    revoked_at__isnull=True,
                )
            )
        )
        kind = "link" if link else "token"
    elif "/" in text:  # some other link: nothing to look up
        return CounterSearch(query=text, kind="link")
    elif _INITIALS.match(text.lower()):
        lowered = text.lower()
        by_name = Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
        if len(lowered) >= 2:
            by_name |= Q(name__icontains=text)  # Latin names
        found = households.filter(
            Exists(Member.objects.filter(by_name, household=OuterRef("pk"), is_active=True))
        )
        kind = "text"
    else:
        found = search_households(households, text) if text else households.none()
        kind = "text"
    rows = list(
        households_for_counter(found).order_by(
            # In residence first, then natural address order (building 2 before 10).
            Case(When(status=Household.Status.ACTIVE, then=0), default=1),
            "compound__sort_key",
            Length("building"),
            "building",
            "unit",
            Length("room"),
            "room",
            "pk",
        )[: COUNTER_RESULTS + 1]
    )
    for household in rows:
        household.head_name = head_name(household)
    return CounterSearch(
        query=text,
        kind=kind,
        households=rows[:COUNTER_RESULTS],
        more=len(rows) > COUNTER_RESULTS,
    )
