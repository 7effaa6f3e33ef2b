"""The dashboard's figures are registered by the apps that own them (residents.dashboard) and
answer for many communities at once, as the sub-district (街道) roll-up will ask them: the
same queries as for one community, each community's values as if asked alone, and a total
for every figure that adds up — never a figure that names people."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from points import services as points_services
from redemption import services as redemption_services
from residents.dashboard import compare, dashboard_figures
from residents.reporting import quarter_of
from tests.factories import (
    BuildingGroupFactory,
    CommunityFactory,
    MemberFactory,
    ProjectClaimFactory,
    ProjectFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


def busy_community(name: str, people: int, clerk):
    """A community with a building group, people who took part and claimed a post, points
    earned and redeemed, and an open round."""
    community = CommunityFactory(name=name)
    PointRuleFactory(community=community, starts_on=datetime.date(2020, 1, 1))
    project = ProjectFactory(community=community)
    group = BuildingGroupFactory(community=community)
    _round, (soap,) = open_round_with(community)
    today = timezone.localdate()
    for _ in range(people):
        member = MemberFactory(
            household__community=community,
            household__building_group=group,
            is_party_member=True,
        )
        ProjectClaimFactory(project=project, member=member)
        attendance = AttendanceFactory(
            activity=ActivityFactory(project=project, date=today), member=member
        )
        points_services.approve(community=community, attendance_ids=[attendance.pk], by=clerk)
        give_points(member.household, 30)
        redemption_services.redeem(
            community=community,
            household=member.household,
            quantities={soap.pk: 1},
            submission_key=uuid.uuid4(),
            by=clerk,
        )
    return community


@pytest.fixture
def three():
    clerk = UserFactory()
    return [
        busy_community(name, people, clerk) for name, people in (("甲", 1), ("乙", 2), ("丙", 3))
    ]


def test_every_figure_answers_for_many_communities_with_the_queries_of_one(three):
    quarter = quarter_of(timezone.localdate())

    with CaptureQueriesContext(connection) as one:
        alone = dashboard_figures.values(communities=three[:1], quarter=quarter)
    with CaptureQueriesContext(connection) as many:
        together = dashboard_figures.values(communities=three, quarter=quarter)

    assert len(many) == len(one)
    for (figure, values), (_same, first) in zip(together, alone, strict=True):
        assert set(values) == {c.pk for c in three}, figure.name
        assert values[three[0].pk] == first[three[0].pk], figure.name


def test_each_communitys_values_are_its_own(three):
    quarter = quarter_of(timezone.localdate())

    together = dict(dashboard_figures.values(communities=three, quarter=quarter))
    points = next(v for f, v in together.items() if f.name == "points.points")
    participation = next(v for f, v in together.items() if f.name == "volunteering.participation")

    assert [points[c.pk].quarter.earned for c in three] == [1, 2, 3]
    assert [points[c.pk].quarter.redeemed for c in three] == [10, 20, 30]
    assert [participation[c.pk].year.households for c in three] == [1, 2, 3]


def test_the_roll_up_totals_what_adds_up_and_leaves_out_every_figure_naming_people(three):
    columns = {
        c.figure.name: c
        for c in compare(communities=three, quarter=quarter_of(timezone.localdate()))
    }

    assert "points.savers" not in columns
    assert all(not column.figure.personal for column in columns.values())
    assert columns["points.points"].total.year.earned == 6
    participation = columns["volunteering.participation"].total.quarter
    assert (participation.volunteers, participation.households) == (6, 6)
    assert participation.share_percent == 100
    assert columns["volunteering.claim_rates"].total["party"].claimed == 6
    assert sum(m.redeemed for m in columns["points.months"].total.months) == 60
    assert columns["volunteering.groups"].total is None
