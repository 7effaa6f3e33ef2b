"""Volunteering's figures on the staff dashboard (residents.dashboard), registered in
VolunteeringConfig.ready(), and the party members' claim rate (also on the projects page).

- active volunteers: residents with at least one approved attendance in the period;
- households taking part: households in residence with such a resident, out of all
  households in residence (and the same per building group, with the star groups: the
  stars the sub-district's contest awarded, residents.stars);
- activities held: activities dated in the period;
- the claim rate: party members in residence who hold a claim on a project in use.
Each is one or two aggregate queries grouped by community, whatever the number of
communities or their size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from residents.dashboard import Figure, Measure, Place, QuarterAndYear, percent
from residents.models import BuildingGroup, Household
from residents.reporting import Period
from residents.stars import Star, star_awards
from volunteering.models import Activity, Attendance
from volunteering.selectors import ClaimRate, claim_rates

# Who took part, once per resident: their approved attendances of the year collapsed to one
# row each (and whether any was in the quarter), then each resident and their household
# looked up by primary key (`OFFSET 0` keeps the planner from turning the lookups into a hash
# of every resident of the database, which it would, not knowing how few rows are left).
TAKING_PART = """
WITH taking_part AS (
    SELECT att.member_id,
        bool_or(act.date >= %(quarter_start)s AND act.date <= %(quarter_end)s) AS in_quarter
    FROM volunteering_attendance att
    JOIN volunteering_activity act ON act.id = att.activity_id
    WHERE att.community_id = ANY(%(communities)s) AND att.status = %(approved)s
      AND act.date >= %(year_start)s AND act.date <= %(year_end)s
    GROUP BY att.member_id
), people AS (
    SELECT t.in_quarter, m.community_id, m.household_id, h.building_group_id,
        h.status = %(active)s AS in_residence
    FROM taking_part t
    CROSS JOIN LATERAL (
        SELECT community_id, household_id FROM residents_member WHERE id = t.member_id OFFSET 0
    ) m
    LEFT JOIN LATERAL (
        SELECT status, building_group_id FROM residents_household
        WHERE id = m.household_id OFFSET 0
    ) h ON true
)
"""


def _taking_part(sql: str, communities: Sequence[int], quarter: Period) -> list[tuple]:
    year = quarter.whole_year
    with connection.cursor() as cursor:
        cursor.execute(
            TAKING_PART + sql,
            {
                "communities": list(communities),
                "approved": Attendance.Status.APPROVED,
                "active": Household.Status.ACTIVE,
                "quarter_start": quarter.start,
                "quarter_end": quarter.end,
                "year_start": year.start,
                "year_end": year.end,
            },
        )
        return cursor.fetchall()


# -- Volunteers and households taking part ---------------------------------------------------


@dataclass(frozen=True)
class Participation:
    volunteers: int = 0
    households_taking_part: int = 0
    households: int = 0  # in residence

    @property
    def share_percent(self) -> int:
        return percent(self.households_taking_part, self.households)

    def __add__(self, other: Participation) -> Participation:
        return Participation(
            self.volunteers + other.volunteers,
            self.households_taking_part + other.households_taking_part,
            self.households + other.households,
        )


def participation(
    *, communities: Sequence[int], quarter: Period
) -> dict[int, QuarterAndYear[Participation]]:
    """Two queries."""
    people = {
        row[0]: dict(
            zip(
                ("volunteers_year", "volunteers_quarter", "households_year", "households_quarter"),
                row[1:],
                strict=True,
            )
        )
        for row in _taking_part(
            """
            SELECT community_id, count(*), count(*) FILTER (WHERE in_quarter),
                count(DISTINCT household_id) FILTER (WHERE in_residence),
                count(DISTINCT household_id) FILTER (WHERE in_residence AND in_quarter)
            FROM people
            GROUP BY 1
            """,
            communities,
            quarter,
        )
    }
    in_residence = dict(
        Household.objects.filter(community_id__in=communities)
        .active()
        .values("community_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("community_id", "n")
    )
    values = {}
    for community in communities:
        row = people.get(community, {})
        households = in_residence.get(community, 0)
        values[community] = QuarterAndYear(
            quarter=Participation(
                row.get("volunteers_quarter", 0), row.get("households_quarter", 0), households
            ),
            year=Participation(
                row.get("volunteers_year", 0), row.get("households_year", 0), households
            ),
        )
    return values


# -- Activities held ------------------------------------------------------------------------


@dataclass(frozen=True)
class Activities:
    activities: int = 0

    def __add__(self, other: Activities) -> Activities:
        return Activities(self.activities + other.activities)


def activities(
    *, communities: Sequence[int], quarter: Period
) -> dict[int, QuarterAndYear[Activities]]:
    """One query."""
    year = quarter.whole_year
    rows = {
        row["community_id"]: row
        for row in Activity.objects.filter(
            community_id__in=communities, date__gte=year.start, date__lte=year.end
        )
        .values("community_id")
        .annotate(
            held_year=Count("pk"),
            held_quarter=Count("pk", filter=Q(date__gte=quarter.start, date__lte=quarter.end)),
        )
        .order_by()
    }
    return {
        community: QuarterAndYear(
            quarter=Activities(rows.get(community, {}).get("held_quarter", 0)),
            year=Activities(rows.get(community, {}).get("held_year", 0)),
        )
        for community in communities
    }


def _total_rates(values: list[dict[str, ClaimRate]]) -> dict[str, ClaimRate]:
    return {kind: sum((v[kind] for v in values), ClaimRate(0, 0)) for kind in values[0]}


# -- Participation by building group ---------------------------------------------------------


@dataclass
class GroupParticipation:
    group: BuildingGroup
    households: int
    quarter: int = 0
    year: int = 0
    # The group's star (residents.stars: awarded by the sub-district's contest), if any.
    star: Star | None = None

    @property
    def quarter_percent(self) -> int:
        return percent(self.quarter, self.households)

    @property
    def year_percent(self) -> int:
        return percent(self.year, self.households)


@dataclass
class Groups:
    """A community's building groups, star groups first."""

    groups: list[GroupParticipation] = field(default_factory=list)

    @property
    def star_groups(self) -> list[GroupParticipation]:
        return [group for group in self.groups if group.star]


def groups(*, communities: Sequence[int], quarter: Period) -> dict[int, Groups]:
    """Participation per building group, star groups first. Two queries."""
    in_residence = Q(households__status=Household.Status.ACTIVE)
    rows = {
        group.pk: GroupParticipation(group=group, households=group.in_residence)
        for group in BuildingGroup.objects.filter(community_id__in=communities)
        .select_related("compound")
        .annotate(in_residence=Count("households", filter=in_residence))
        .order_by("compound__sort_key", "sort_key", "name")
    }
    taking_part = _taking_part(
        """
        SELECT building_group_id, count(DISTINCT household_id),
            count(DISTINCT household_id) FILTER (WHERE in_quarter)
        FROM people
        WHERE in_residence
        GROUP BY 1
        """,
        communities,
        quarter,
    )
    for group_id, in_year, in_quarter in taking_part:
        group = rows.get(group_id)
        if group is not None:
            group.quarter, group.year = in_quarter, in_year

    stars = star_awards.for_groups(rows)
    by_community: dict[int, list[GroupParticipation]] = defaultdict(list)
    for pk, group in rows.items():  # in natural order, which the stable sorts below keep
        group.star = stars.get(pk)
        by_community[group.group.community_id].append(group)
    return {community: Groups(_stars_first(by_community[community])) for community in communities}


def _stars_first(ordered: list[GroupParticipation]) -> list[GroupParticipation]:
    """Star groups first (most stars first), then by participation."""
    return sorted(
        ordered,
        key=lambda g: (-(g.star.stars if g.star else 0), -g.quarter_percent, -g.year_percent),
    )


FIGURES = [
    Figure(
        name="volunteering.participation",
        order=20,
        place=Place.HEADLINE,
        template="volunteering/dashboard/includes/_participation.html",
        values=participation,
        measures=(
            Measure(_("在册户"), lambda v: v.quarter.households),
            Measure(_("参与家庭"), lambda v: v.quarter.households_taking_part),
            Measure(_("参与率"), lambda v: v.quarter.share_percent, percent=True),
            Measure(_("活跃志愿者"), lambda v: v.quarter.volunteers),
        ),
        note=_("活跃志愿者：有审核通过参与记录的居民。参与家庭：有这样的居民的在册户。"),
    ),
    Figure(
        name="volunteering.activities",
        order=30,
        place=Place.HEADLINE,
        template="volunteering/dashboard/includes/_activities.html",
        values=activities,
        measures=(Measure(_("活动场次"), lambda v: v.quarter.activities),),
    ),
    Figure(
        name="volunteering.claim_rates",
        order=40,
        place=Place.HEADLINE,
        template="volunteering/dashboard/includes/_claim_rates.html",
        values=claim_rates,
        total=_total_rates,
        measures=(Measure(_("党员认领率"), lambda v: v["party"].share, percent=True),),
    ),
    Figure(
        name="volunteering.groups",
        order=70,
        place=Place.FULL,
        template="volunteering/dashboard/includes/_groups.html",
        values=groups,
        total=None,  # building groups are a community's own
    ),
]
