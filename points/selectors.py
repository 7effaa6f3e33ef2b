"""Standings (积分排行): points earned in a quarter or a year, by household, member and
building group.

Earned means earn entries net of their reversals, by the date the points belong to
(`occurred_on`, the activity's date). Redemptions and manual adjustments are not earning.
Every ranking is a handful of aggregate queries, whatever the number of households.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TypeVar

from django.db.models import Count, F, Prefetch, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from points.entry_details import attach_details
from points.models import Account, AccountTally, LedgerEntry, MemberTally
from residents import parsing
from residents.models import BuildingGroup, Community, Household, Member
from residents.reporting import Period, quarter_of, ranked
from residents.stars import Star, star_awards

# Big savers (储值大户): the households ranked in the top three by points earned in the period.
TOP_SAVER_RANKS = 3
# Ties at a cut stay in, but a list never grows past this many times its limit: when most of
# a community ties (a first quarter where everyone did the same two activities), the list
# stops at its limit and says how many share the place (`*_tied_out`).
TIES_FACTOR = 2
T = TypeVar("T")


def parse_period(text: str, *, today: datetime.date | None = None) -> Period:
    """“2026Q4” (a quarter) or “2026” (a year) of a year that could have data, from 2000 to
    next year (residents.parsing.period); a ValidationError says what is wrong otherwise."""
    return Period(*parsing.period(text, today=today))


def mask_name(name: str) -> str:
    """A name for a public notice: 郑兴友 → 郑*友, 王芳 → 王*, 欧阳娜娜 → 欧**娜;
    a one-character name is shown as it is."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass
class HouseholdRow:
    rank: int
    household: Household
    points: int
    balance: int

    @property
    def names(self) -> list[str]:
        return [member.name for member in self.household.current_members]

    @property
    def masked_names(self) -> list[str]:
        return [mask_name(name) for name in self.names]


@dataclass
class MemberRow:
    rank: int
    member: Member
    base: int
    value_added: int
    total: int

    @property
    def masked_name(self) -> str:
        return mask_name(self.member.name)


@dataclass
class GroupRow:
    rank: int | None  # None: no points in the period
    group: BuildingGroup
    points: int = 0
    taking_part: int = 0
    households: int = 0
    # The group's star (residents.stars: awarded by the sub-district's contest), if any.
    star: Star | None = None

    @property
    def participation(self) -> float:
        return self.taking_part / self.households if self.households else 0.0

    @property
    def participation_percent(self) -> int:
        return round(self.participation * 100)

    @property
    def starred(self) -> bool:
        return self.star is not None


@dataclass
class Standings:
    period: Period
    households: list[HouseholdRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    top_savers: list[HouseholdRow] = field(default_factory=list)
    savers_in_ranks: int = 0  # households ranked within TOP_SAVER_RANKS, listed or not
    households_taking_part: int = 0
    members_taking_part: int = 0
    total_points: int = 0

    @property
    def households_cut(self) -> bool:
        return len(self.households) < self.households_taking_part

    @property
    def members_cut(self) -> bool:
        return len(self.members) < self.members_taking_part


def _in_period(model, community: Community, period: Period):
    """A running total's rows (AccountTally, MemberTally: kept by the ledger, one per quarter)
    of the quarters in `period`."""
    return model.objects.filter(
        community=community, quarter__gte=period.start, quarter__lte=period.end
    )


def _within(rows: list[tuple[int, T]], limit: int | None) -> list[tuple[int, T]]:
    """Rows ranked within `limit`: ties at the cut all stay in, unless they would make the
    list more than TIES_FACTOR times as long; then the first `limit` rows."""
    if limit is None:
        return rows
    within = [row for row in rows if row[0] <= limit]
    return within if len(within) <= TIES_FACTOR * limit else within[:limit]


def _count_within(rows: list[tuple[int, T]], limit: int) -> int:
    return sum(1 for row in rows if row[0] <= limit)


def standings(*, community: Community, period: Period, limit: int | None = 50) -> Standings:
    """The three rankings for a period. Six queries, whatever the number of households
    or entries: the points come from the quarterly totals the ledger keeps (points.tallies
    says what counts as earned). `limit` keeps the top ranks of the household and member
    lists."""
    result = Standings(period=period)

    # 1. Points per household (via its account), with what the group ranking needs.
    household_points = list(
        _in_period(AccountTally, community, period)
        .values(
            "account_id",
            "account__balance",
            "account__household_id",
            "account__household__building_group_id",
            "account__household__status",
            "account__household__passbook_number",
        )
        .annotate(points=Sum("earned"))
        .filter(points__gt=0)
        .order_by("-points", "account__household__passbook_number")
    )
    result.households_taking_part = len(household_points)
    result.total_points = sum(row["points"] for row in household_points)
    ranked_households = list(ranked(household_points, key=lambda row: row["points"]))
    shown = _within(ranked_households, limit)
    savers = _within(ranked_households, TOP_SAVER_RANKS)
    result.savers_in_ranks = _count_within(ranked_households, TOP_SAVER_RANKS)
    # 2 and 3. The households shown, with their current members.
    wanted = {row["account__household_id"] for _rank, row in [*shown, *savers]}
    households = (
        Household.objects.filter(community=community, pk__in=wanted)
        .select_related("compound", "building_group")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=Member.objects.filter(is_active=True).order_by("position", "id"),
                to_attr="current_members",
            )
        )
        if wanted
        else []
    )
    by_pk = {household.pk: household for household in households}

    def household_row(rank: int, row: dict) -> HouseholdRow:
        return HouseholdRow(
            rank=rank,
            household=by_pk[row["account__household_id"]],
            points=row["points"],
            balance=row["account__balance"],
        )

    result.households = [household_row(rank, row) for rank, row in shown]
    result.top_savers = [household_row(rank, row) for rank, row in savers]

    # 4. Points per member, base (基础分) and value-added (增值分) apart.
    member_points = list(
        _in_period(MemberTally, community, period)
        .values("member_id")
        .annotate(
            total=Sum(F("base") + F("value_added")),
            base=Sum("base"),
            value_added=Sum("value_added"),
        )
        .filter(total__gt=0)
        .order_by("-total", "member_id")
    )
    result.members_taking_part = len(member_points)
    shown_members = _within(list(ranked(member_points, key=lambda row: row["total"])), limit)
    # 5. The members shown, with their households' addresses.
    members = (
        Member.objects.filter(
            community=community, pk__in=[row["member_id"] for _rank, row in shown_members]
        ).select_related("household__compound")
        if shown_members
        else []
    )
    members_by_pk = {member.pk: member for member in members}
    result.members = [
        MemberRow(
            rank=rank,
            member=members_by_pk[row["member_id"]],
            base=row["base"],
            value_added=row["value_added"],
            total=row["total"],
        )
        for rank, row in shown_members
    ]

    # 6. Building groups with their households in residence; the points and households
    # taking part come from query 1 (a household that moved out still counts for the
    # period it took part in).
    groups = list(
        BuildingGroup.objects.filter(community=community)
        .select_related("compound")
        .annotate(
            in_residence=Count("households", filter=Q(households__status=Household.Status.ACTIVE))
        )
        .order_by("compound__sort_key", "sort_key", "name")
    )
    rows = {
        group.pk: GroupRow(rank=None, group=group, households=group.in_residence)
        for group in groups
    }
    for row in household_points:
        group = rows.get(row["account__household__building_group_id"])
        if group is None:
            continue
        group.points += row["points"]
        group.taking_part += 1
        if row["account__household__status"] != Household.Status.ACTIVE:
            group.households += 1
    ordered = sorted(rows.values(), key=lambda g: (-g.points, -g.participation))
    earning = [g for g in ordered if g.points > 0]
    for rank, group in ranked(earning, key=lambda g: g.points):
        group.rank = rank
    stars = star_awards.for_groups(rows)
    for pk, group in rows.items():
        group.star = stars.get(pk)
    result.groups = ordered
    return result


# The resident's passbook page


@dataclass
class PassbookView:
    household: Household
    balance: int
    quarter_points: int
    year_points: int
    member_points: list[tuple[str, int]]
    entries: list[LedgerEntry]
    older_cursor: int | None


PASSBOOK_PAGE_SIZE = 30


def passbook_view(
    *, household: Household, period: Period, before: int | None = None
) -> PassbookView:
    """Everything the resident's page shows, in a fixed number of queries however long
    the history: balance, earned this quarter and year, each member's share this year,
    and one page of the chosen quarter's entries (keyset: `before` an entry id)."""
    entries = LedgerEntry.objects.filter(account__household=household)
    today = timezone.localdate()
    this_quarter, this_year = quarter_of(today), Period(today.year)
    earning = entries.earning()
    # Only this year's entries (the quarter is within it), not the whole history.
    totals = earning.filter(occurred_on__range=(this_year.start, this_year.end)).aggregate(
        quarter=Coalesce(
            Sum("amount", filter=Q(occurred_on__range=(this_quarter.start, this_quarter.end))),
            0,
        ),
        year=Coalesce(
            Sum("amount", filter=Q(occurred_on__range=(this_year.start, this_year.end))), 0
        ),
    )
    by_member = (
        earning.filter(occurred_on__range=(this_year.start, this_year.end), member__isnull=False)
        .values("member__name")
        .annotate(points=Sum("amount"))
        .order_by("-points", "member__name")
    )
    # Listed as written, like a paper passbook: by the day each entry was posted, so the
    # dates and the running balance read in one order (an activity's date is in its row).
    page = entries.posted_within(period.start, period.end)
    if before is not None:
        page = page.filter(pk__lt=before)
    rows = list(page.select_related("member", "activity").order_by("-pk")[: PASSBOOK_PAGE_SIZE + 1])
    attach_details(rows[:PASSBOOK_PAGE_SIZE])
    return PassbookView(
        household=household,
        balance=Account.objects.balance_of(household),
        quarter_points=totals["quarter"],
        year_points=totals["year"],
        member_points=[
            (mask_name(r["member__name"]), r["points"]) for r in by_member if r["points"]
        ],
        entries=rows[:PASSBOOK_PAGE_SIZE],
        older_cursor=rows[PASSBOOK_PAGE_SIZE - 1].pk if len(rows) > PASSBOOK_PAGE_SIZE else None,
    )
