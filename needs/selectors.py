"""Reading visits: counts per quarter and year, and the households nobody has seen."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import ExtractQuarter

from needs.models import ActivityServed, Need, Pairing, Visit
from residents.models import Community, Household, HouseholdType

# The situations a visit report puts first (household types of residents, by name).
PRIORITY_TYPES = ("独居老人", "纯老家庭", "困难家庭")


@dataclass(frozen=True)
class VisitCount:
    label: str
    visits: int  # 户次
    households: int  # distinct households visited
    per_household: Decimal  # 户均: visits over households in residence


def _per(visits: int, households: int) -> Decimal:
    if not households:
        return Decimal(0)
    return (Decimal(visits) / households).quantize(Decimal("0.01"), ROUND_HALF_UP)


def visit_counts(community: Community, year: int) -> list[VisitCount]:
    """The four quarters of `year` and the whole year: two queries."""
    in_residence = Household.objects.filter(community=community).active().count()
    visits = Visit.objects.filter(community=community, visited_on__year=year)
    by_quarter = {
        row["quarter"]: row
        for row in visits.annotate(quarter=ExtractQuarter("visited_on"))
        .values("quarter")
        .annotate(visits=Count("pk"), households=Count("household", distinct=True))
    }
    rows = []
    for quarter in (1, 2, 3, 4):
        row = by_quarter.get(quarter, {"visits": 0, "households": 0})
        rows.append(
            VisitCount(
                f"{year}Q{quarter}",
                row["visits"],
                row["households"],
                _per(row["visits"], in_residence),
            )
        )
    total = sum(r.visits for r in rows)
    households = visits.aggregate(n=Count("household", distinct=True))["n"]
    rows.append(VisitCount(str(year), total, households, _per(total, in_residence)))
    return rows


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def priority_types(community: Community) -> QuerySet[HouseholdType]:
    return HouseholdType.objects.filter(community=community, name__in=PRIORITY_TYPES)


def not_visited(
    community: Community, *, since: datetime.date, priority_only: bool = False
) -> QuerySet[Household]:
    """Households in residence with no visit since `since`: those living alone,
    elderly-only or in hardship first, then the longest unseen."""
    priority = Household.types.through.objects.filter(
        household_id=OuterRef("pk"), householdtype__in=priority_types(community)
    )
    households = (
        Household.objects.filter(community=community)
        .active()
        .annotate(last_visit=Max("visits__visited_on"), is_priority=Exists(priority))
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since))
    )
    if priority_only:
        households = households.filter(is_priority=True)
    return (
        households.select_related("compound")
        .prefetch_related("types")
        .order_by(
            "-is_priority",
            F("last_visit").asc(nulls_first=True),
            "compound__name",
            "building",
            "room",
        )
    )


def household_file(household: Household) -> list[tuple[datetime.date, str, object]]:
    """The household's 民情档案: its visits, needs and the activities that served it (help
    received), newest first (three queries)."""
    entries: list[tuple[datetime.date, str, object]] = [
        (v.visited_on, "visit", v) for v in Visit.objects.filter(household=household)[:100]
    ]
    entries += [
        (n.done_on or n.created_at.date(), "need", n)
        for n in Need.objects.filter(household=household).select_related(
            "member", "team", "partner"
        )[:100]
    ]
    entries += [
        (s.activity.date, "served", s.activity)
        for s in ActivityServed.objects.filter(
            community_id=household.community_id, household=household
        )
        .select_related("activity__project")
        .order_by("-activity__date", "-pk")[:100]
    ]
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return entries


def unattended(
    community: Community, *, since: datetime.date, unpaired_only: bool = False
) -> QuerySet[Household]:
    """Households living alone, elderly-only or in hardship that have no standing pairing,
    or no visit and no help (a finished need, an activity that served them) since `since`:
    the ones nobody is looking after."""
    priority = Household.types.through.objects.filter(
        household_id=OuterRef("pk"), householdtype__in=priority_types(community)
    )
    paired = Pairing.objects.filter(household_id=OuterRef("pk"), ended_on__isnull=True)
    visited = Visit.objects.filter(household_id=OuterRef("pk"), visited_on__gte=since)
    helped = Need.objects.filter(
        household_id=OuterRef("pk"), state__in=Need.FINISHED_STATES, done_on__gte=since
    )
    served = ActivityServed.objects.filter(household_id=OuterRef("pk"), activity__date__gte=since)
    households = (
        Household.objects.filter(community=community)
        .active()
        .filter(Exists(priority))
        .annotate(
            is_paired=Exists(paired),
            visited_lately=Exists(visited),
            helped_lately=ExpressionWrapper(
                Q(Exists(helped)) | Q(Exists(served)), output_field=BooleanField()
            ),
            last_visit=Max("visits__visited_on"),
        )
    )
    households = (
        households.filter(is_paired=False)
        if unpaired_only
        else households.filter(Q(is_paired=False) | Q(visited_lately=False, helped_lately=False))
    )
    return (
        households.select_related("compound")
        .prefetch_related("types")
        .order_by(
            "is_paired", F("last_visit").asc(nulls_first=True), "compound__name", "building", "room"
        )
    )
