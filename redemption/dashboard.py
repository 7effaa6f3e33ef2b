"""The staff home page's figures: how the scheme is going this quarter and this year.

Every figure is an aggregate query (GROUP BY month or building group), so the page costs
the same dozen queries for 30 households or 3,000:

- points earned: earn entries net of their reversals; points redeemed: redeem entries net
  of the reversals of cancelled redemptions (both by the date the points belong to, as in
  the standings). Adjustments and expiries are neither;
- active volunteers: residents with at least one approved attendance in the period;
- households taking part: households in residence with such a resident, out of all
  households in residence (and the same per building group);
- activities held: activities dated in the period;
- top savers: the largest balances of households in residence, names masked;
- the open round's budget used, from its settlement.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce, Length, TruncMonth

from points.models import Account, LedgerEntry
from points.selectors import Period, mask_name, quarter_of, ranked
from redemption.models import Round
from redemption.selectors import Settlement, open_round, settlement
from residents.models import BuildingGroup, Community, Household, Member
from volunteering.models import Activity, Attendance

# Star building groups (星级楼组): the three best participation rates of the quarter (ties
# included), among groups big enough for a rate to mean something.
STAR_GROUPS = 3
STAR_MIN_HOUSEHOLDS = 5
TOP_SAVERS = 5

_EARNED = Q(kind=LedgerEntry.Kind.EARN) | Q(
    kind=LedgerEntry.Kind.REVERSE, reverses__kind=LedgerEntry.Kind.EARN
)
_REDEEMED = Q(kind=LedgerEntry.Kind.REDEEM) | Q(
    kind=LedgerEntry.Kind.REVERSE, reverses__kind=LedgerEntry.Kind.REDEEM
)
_ZERO = Value(0, output_field=IntegerField())


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def _thousands(number: int) -> str:
    # Written 2,638 as in the committees' reports (zh-Hans formats would print 2638).
    return f"{number:,}"


@dataclass
class Figures:
    """The headline figures of one period."""

    period: Period
    earned: int = 0
    redeemed: int = 0
    volunteers: int = 0
    households_taking_part: int = 0
    households: int = 0
    activities: int = 0

    @property
    def share_percent(self) -> int:
        return _percent(self.households_taking_part, self.households)

    @property
    def earned_display(self) -> str:
        return _thousands(self.earned)

    @property
    def redeemed_display(self) -> str:
        return _thousands(self.redeemed)


@dataclass
class Month:
    """One month of the year's chart."""

    start: datetime.date
    earned: int = 0
    redeemed: int = 0
    activities: int = 0


@dataclass
class GroupParticipation:
    group: BuildingGroup
    households: int
    quarter: int = 0
    year: int = 0
    star: bool = False

    @property
    def quarter_percent(self) -> int:
        return _percent(self.quarter, self.households)

    @property
    def year_percent(self) -> int:
        return _percent(self.year, self.households)


@dataclass
class Saver:
    rank: int
    names: list[str]
    balance: int

    @property
    def balance_display(self) -> str:
        return _thousands(self.balance)


@dataclass
class Dashboard:
    today: datetime.date
    quarter: Figures
    year: Figures
    months: list[Month] = field(default_factory=list)
    groups: list[GroupParticipation] = field(default_factory=list)
    savers: list[Saver] = field(default_factory=list)
    round: Round | None = None
    settlement: Settlement | None = None

    @property
    def star_groups(self) -> list[GroupParticipation]:
        return [group for group in self.groups if group.star]


def _months(community: Community, year: Period) -> list[Month]:
    """Points earned and redeemed, and activities held, per month of the year.
    Two queries."""
    months = {
        datetime.date(year.year, n, 1): Month(start=datetime.date(year.year, n, 1))
        for n in range(1, 13)
    }
    points = (
        LedgerEntry.objects.filter(
            community=community, occurred_on__gte=year.start, occurred_on__lte=year.end
        )
        .filter(_EARNED | _REDEEMED)
        .annotate(month=TruncMonth("occurred_on"))
        .values("month")
        .annotate(
            earned=Coalesce(Sum("amount", filter=_EARNED), _ZERO),
            redeemed=Coalesce(Sum("amount", filter=_REDEEMED), _ZERO),
        )
        .order_by("month")
    )
    for row in points:
        month = months[row["month"]]
        month.earned, month.redeemed = row["earned"], -row["redeemed"]
    activities = (
        Activity.objects.filter(community=community, date__gte=year.start, date__lte=year.end)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(held=Count("pk"))
        .order_by("month")
    )
    for row in activities:
        months[row["month"]].activities = row["held"]
    return list(months.values())


def _approved(community: Community, year: Period):
    return Attendance.objects.filter(
        community=community,
        status=Attendance.Status.APPROVED,
        activity__date__gte=year.start,
        activity__date__lte=year.end,
    )


def _in_quarter(quarter: Period) -> Q:
    return Q(activity__date__gte=quarter.start, activity__date__lte=quarter.end)


def _groups(
    community: Community, quarter: Period, year: Period
) -> tuple[list[GroupParticipation], int]:
    """Participation per building group, star groups first, and the number of households
    in residence. Three queries."""
    in_residence = Q(households__status=Household.Status.ACTIVE)
    groups = (
        BuildingGroup.objects.filter(community=community)
        .select_related("compound")
        .annotate(in_residence=Count("households", filter=in_residence))
        .order_by("compound__name", Length("name"), "name")
    )
    rows = {
        group.pk: GroupParticipation(group=group, households=group.in_residence) for group in groups
    }
    household = "member__household"
    taking_part = (
        _approved(community, year)
        .filter(member__household__status=Household.Status.ACTIVE)
        .values("member__household__building_group_id")
        .annotate(
            year=Count(household, distinct=True),
            quarter=Count(household, distinct=True, filter=_in_quarter(quarter)),
        )
        .order_by()
    )
    for row in taking_part:
        group = rows.get(row["member__household__building_group_id"])
        if group is not None:
            group.quarter, group.year = row["quarter"], row["year"]

    # Natural order first, so the stable sorts below keep it among equals.
    ordered = list(rows.values())
    eligible = sorted(
        (g for g in ordered if g.households >= STAR_MIN_HOUSEHOLDS and g.quarter),
        key=lambda g: -g.quarter / g.households,
    )
    for rank, group in ranked(eligible, key=lambda g: g.quarter / g.households):
        group.star = rank <= STAR_GROUPS  # a tie at the cut stars every group tied
    ordered.sort(key=lambda g: (not g.star, -g.quarter_percent, -g.year_percent))
    households = Household.objects.filter(community=community).active().count()
    return ordered, households


def _savers(community: Community) -> list[Saver]:
    """The largest balances of households in residence. Two queries."""
    accounts = (
        Account.objects.filter(
            community=community, balance__gt=0, household__status=Household.Status.ACTIVE
        )
        .select_related("household")
        .prefetch_related(
            Prefetch(
                "household__members",
                queryset=Member.objects.filter(is_active=True).order_by("position", "id"),
                to_attr="current_members",
            )
        )
        .order_by("-balance", "household__passbook_number")[:TOP_SAVERS]
    )
    savers, rank, previous = [], 0, None
    for position, account in enumerate(accounts, start=1):
        if account.balance != previous:
            rank, previous = position, account.balance
        names = [mask_name(member.name) for member in account.household.current_members]
        savers.append(Saver(rank=rank, names=names, balance=account.balance))
    return savers


def dashboard(*, community: Community, today: datetime.date) -> Dashboard:
    """Everything the dashboard shows but the claim rate (volunteering's, one query more).
    Twelve queries with an open round, nine without, whatever the data size."""
    quarter, year = quarter_of(today), Period(today.year)
    result = Dashboard(today=today, quarter=Figures(period=quarter), year=Figures(period=year))

    result.months = _months(community, year)
    for month in result.months:
        for figures in (result.year, result.quarter):
            if figures.period.start <= month.start <= figures.period.end:
                figures.earned += month.earned
                figures.redeemed += month.redeemed
                figures.activities += month.activities

    people = _approved(community, year).aggregate(
        volunteers_year=Count("member", distinct=True),
        volunteers_quarter=Count("member", distinct=True, filter=_in_quarter(quarter)),
        households_year=Count(
            "member__household",
            distinct=True,
            filter=Q(member__household__status=Household.Status.ACTIVE),
        ),
        households_quarter=Count(
            "member__household",
            distinct=True,
            filter=Q(member__household__status=Household.Status.ACTIVE) & _in_quarter(quarter),
        ),
    )
    result.year.volunteers = people["volunteers_year"]
    result.quarter.volunteers = people["volunteers_quarter"]
    result.year.households_taking_part = people["households_year"]
    result.quarter.households_taking_part = people["households_quarter"]

    result.groups, households = _groups(community, quarter, year)
    result.year.households = result.quarter.households = households
    result.savers = _savers(community)

    result.round = open_round(community)
    if result.round is not None:
        result.settlement = settlement(result.round)
    return result
