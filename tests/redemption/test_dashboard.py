"""The staff home page (工作概览): this quarter's and this year's figures, participation by
building group with the star groups on top, the claim rate, top savers and the open round's
budget, drawn as inline SVG; a query count that does not grow with the data."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points import services as points_services
from points.dashboard import _nice_ceiling
from points.selectors import mask_name
from redemption import services
from residents import services as residents_services
from residents.dashboard import dashboard
from tests.factories import (
    BuildingGroupFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectClaimFactory,
    ProjectFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 21)  # the fourth quarter of 2026
DASHBOARD = reverse("redemption:dashboard")


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


@pytest.fixture
def project(community):
    PointRuleFactory(community=community, starts_on=D(2020, 1, 1))
    return ProjectFactory(community=community, name="义务巡逻")


def attend(member, project, day, by, *, approve=True) -> Attendance:
    """`member` at an activity of `project` on `day`, approved (1 point) unless told not."""
    attendance = AttendanceFactory(
        activity=ActivityFactory(project=project, date=day), member=member
    )
    if approve:
        points_services.approve(community=member.community, attendance_ids=[attendance.pk], by=by)
    return attendance


def redeem(community, household, item, quantity, by):
    return services.redeem(
        community=community,
        household=household,
        quantities={item.pk: quantity},
        submission_key=uuid.uuid4(),
        by=by,
    )


# The figures -------------------------------------------------------------------------------------


def test_points_earned_are_net_of_undone_approvals_and_redeemed_net_of_cancellations(
    community, project, clerk
):
    member = MemberFactory(household__community=community)
    household = member.household
    attend(member, project, D(2026, 10, 8), clerk)
    attend(member, project, D(2026, 11, 3), clerk)
    undone = attend(member, project, D(2026, 11, 4), clerk)
    attend(member, project, D(2026, 2, 10), clerk)
    attend(member, project, D(2025, 12, 30), clerk)  # last year
    points_services.undo_approval(attendance=undone, reason="登记错了人", by=clerk)
    give_points(household, 100)  # an adjustment: neither earned nor redeemed
    _round, (soap,) = open_round_with(community)
    redeem(community, household, soap, 2, clerk)  # 20 points
    cancelled = redeem(community, household, soap, 1, clerk)
    services.cancel(redemption=cancelled, reason="拿错了", by=clerk)

    result = dashboard(community=community, today=TODAY)

    assert (result.quarter.earned, result.year.earned) == (2, 3)
    # The cancelled redemption's reversal gives points back but is not earning.
    assert (result.quarter.redeemed, result.year.redeemed) == (20, 20)
    november = result.months[10]
    assert (november.start, november.earned, november.redeemed) == (D(2026, 11, 1), 1, 20)
    assert [m.earned for m in result.months[:3]] == [0, 1, 0]


def test_volunteers_and_households_taking_part_count_approved_attendance_only(
    community, project, clerk
):
    zheng = MemberFactory(household__community=community, name="郑兴友")
    li = MemberFactory(household=zheng.household, name="李秀英")
    wang = MemberFactory(household__community=community, name="王建国")
    zhang = MemberFactory(household__community=community, name="张桂兰")
    gone = MemberFactory(household__community=community, name="陈志强")
    HouseholdFactory.create_batch(5, community=community)
    attend(zheng, project, D(2026, 11, 3), clerk)
    attend(zheng, project, D(2026, 11, 10), clerk)  # the same person twice
    attend(li, project, D(2026, 5, 6), clerk)  # this year, not this quarter
    attend(wang, project, D(2026, 11, 3), clerk, approve=False)  # still pending
    rejected = attend(zhang, project, D(2026, 11, 3), clerk, approve=False)
    points_services.reject(
        community=community, attendance_ids=[rejected.pk], reason="未到场", by=clerk
    )
    attend(gone, project, D(2026, 10, 20), clerk)
    residents_services.move_out(household=gone.household, on=D(2026, 11, 1))

    result = dashboard(community=community, today=TODAY)

    # People: 郑兴友 and 陈志强 this quarter, and 李秀英 as well this year.
    assert (result.quarter.volunteers, result.year.volunteers) == (2, 3)
    # Households: only those in residence, out of the 8 in residence.
    assert (result.quarter.households_taking_part, result.year.households_taking_part) == (1, 1)
    assert result.quarter.households == 8
    assert result.quarter.share_percent == 12  # 1 of 8


def test_activities_held_are_counted_by_their_date(community, project):
    for day in (D(2026, 10, 1), D(2026, 12, 31), D(2026, 9, 30), D(2025, 12, 31)):
        ActivityFactory(project=project, date=day)

    result = dashboard(community=community, today=TODAY)

    assert (result.quarter.activities, result.year.activities) == (2, 3)
    assert [m.activities for m in result.months if m.activities] == [1, 1, 1]


def test_another_communitys_activity_and_points_are_never_counted(
    community, other_community, clerk
):
    PointRuleFactory(community=other_community, starts_on=D(2020, 1, 1))
    theirs = ProjectFactory(community=other_community)
    stranger = MemberFactory(household__community=other_community)
    attend(stranger, theirs, D(2026, 11, 3), clerk)
    BuildingGroupFactory(community=other_community)
    give_points(stranger.household, 50)

    result = dashboard(community=community, today=TODAY)

    assert (result.year.earned, result.year.volunteers, result.year.activities) == (0, 0, 0)
    assert result.year.households == 0
    assert result.groups == [] and result.savers == [] and result.round is None


# Building groups ---------------------------------------------------------------------------------


def test_groups_come_by_participation_and_none_has_a_star_the_subdistrict_did_not_award(
    community, project, clerk
):
    def group_of(name, households, taking_part_this_quarter, earlier=0):
        group = BuildingGroupFactory(community=community, name=name)
        homes = HouseholdFactory.create_batch(households, community=community, building_group=group)
        for home in homes[:taking_part_this_quarter]:
            attend(MemberFactory(household=home), project, D(2026, 10, 12), clerk)
        for home in homes[taking_part_this_quarter : taking_part_this_quarter + earlier]:
            attend(MemberFactory(household=home), project, D(2026, 4, 12), clerk)
        return group

    group_of("1号楼组", 5, 1, earlier=3)
    group_of("2号楼组", 5, 4)
    group_of("3号楼组", 6, 3)
    group_of("4号楼组", 5, 2)
    group_of("5号楼组", 2, 2)
    group_of("6号楼组", 5, 0)

    result = dashboard(community=community, today=TODAY)

    rows = [
        (g.group.name, g.star, g.quarter, g.year, g.households, g.quarter_percent, g.year_percent)
        for g in result.groups
    ]
    # ★ is the sub-district's contest's award only (residents.stars), never a ranking.
    assert rows == [
        ("5号楼组", None, 2, 2, 2, 100, 100),
        ("2号楼组", None, 4, 4, 5, 80, 80),
        ("3号楼组", None, 3, 3, 6, 50, 50),
        ("4号楼组", None, 2, 2, 5, 40, 40),
        ("1号楼组", None, 1, 4, 5, 20, 80),
        ("6号楼组", None, 0, 0, 5, 0, 0),
    ]
    assert result.star_groups == []


# Savers and the round ----------------------------------------------------------------------------


def test_top_savers_are_the_largest_balances_in_residence_with_names_masked(community):
    big = MemberFactory(household__community=community, name="郑兴友")
    MemberFactory(household=big.household, name="王芳")
    left = MemberFactory(household__community=community, name="李秀英")
    give_points(big.household, 120)
    give_points(left.household, 999)
    residents_services.move_out(household=left.household, on=D(2026, 11, 1))
    for amount in (30, 30, 20, 10, 5):
        give_points(MemberFactory(household__community=community).household, amount)

    savers = dashboard(community=community, today=TODAY).savers

    assert [(s.rank, s.balance) for s in savers] == [(1, 120), (2, 30), (2, 30), (4, 20), (5, 10)]
    assert savers[0].names == ["郑*友", "王*"]


def test_when_every_balance_is_the_same_the_savers_are_the_first_five_opened(community):
    """After a round's cap leaves every passbook at the same balance: five savers, all
    first, the passbooks opened first, not a sort of every account."""
    households = [MemberFactory(household__community=community).household for _ in range(7)]
    for household in households:  # each passbook opened by its first entry, in this order
        give_points(household, 50)

    savers = dashboard(community=community, today=TODAY).savers

    assert [(s.rank, s.balance) for s in savers] == [(1, 50)] * 5
    opened_first = [h.members.get().name for h in households[:5]]
    assert [s.names for s in savers] == [[mask_name(name)] for name in opened_first]


def test_the_open_rounds_budget_used_comes_from_its_settlement(community, clerk, staff_client):
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    round_, (soap,) = open_round_with(community, name="2026年第四季度", code="2026Q4")
    redeem(community, household, soap, 4, clerk)  # 4 × 8.50 yuan of a 1000 yuan budget

    result = dashboard(community=community, today=TODAY)
    page = staff_client.get(DASHBOARD).content.decode()

    assert result.round == round_
    assert (result.settlement.yuan, result.settlement.households) == (34, 1)
    assert result.settlement.budget_share == 3
    assert "¥34.00" in page and "¥1000.00" in page and "2026年第四季度" in page


def test_without_an_open_round_the_page_says_so(staff_client):
    page = staff_client.get(DASHBOARD).content.decode()

    assert "现在没有开放的兑换期" in page


# The page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_figures_charts_and_claim_rate(community, project, clerk, staff_client):
    group = BuildingGroupFactory(community=community, name="12号楼组")
    member = MemberFactory(
        household__community=community,
        household__building_group=group,
        name="郑兴友",
        is_party_member=True,
    )
    MemberFactory(household=member.household, name="李秀英", is_party_member=True)
    ProjectClaimFactory(project=project, member=member)
    attend(member, project, D(2026, 11, 3), clerk)
    give_points(member.household, 10)

    response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    body = response.content.decode()
    assert "工作概览" in body and "2026年第四季度" in body and "2026年11月21日" in body
    assert community.name in body  # a printed copy says whose figures they are
    assert body.count("<svg") >= 3  # the share bar, the month chart, a group's bar
    assert "12号楼组" in body and "星级楼组" in body
    assert "50.0%" in body  # one of the two party members holds a claim
    assert "郑*友、李*英" in body and "郑兴友" not in body
    assert "css/dashboard.css" in body


def test_staff_and_admins_see_the_dashboard_and_counter_clerks_do_not(
    staff_client, admin_client_of_community, counter_client, client
):
    assert staff_client.get(DASHBOARD).status_code == 200
    assert admin_client_of_community.get(DASHBOARD).status_code == 200
    assert counter_client.get(DASHBOARD).status_code == 403
    assert client.get(DASHBOARD)["Location"].startswith("/login/")


def test_the_dashboard_is_read_only(staff_client):
    assert staff_client.post(DASHBOARD).status_code == 405


def test_the_axis_top_is_a_round_number_above_the_highest_bar():
    assert [_nice_ceiling(n) for n in (0, 7, 10, 11, 180, 201, 1370, 5000)] == [
        10,
        10,
        10,
        20,
        200,
        500,
        2000,
        5000,
    ]


def test_the_dashboard_costs_the_same_queries_for_3_or_30_households(
    community, project, clerk, staff_client, django_assert_max_num_queries
):
    round_, (soap,) = open_round_with(community)
    groups = BuildingGroupFactory.create_batch(3, community=community)

    def add(n):
        for i in range(n):
            member = MemberFactory(
                household__community=community,
                household__building_group=groups[i % 3],
                is_party_member=True,
            )
            attend(member, project, D(2026, 11, 3), clerk)
            attend(member, project, D(2026, 3, 3), clerk)
            give_points(member.household, 30)
            redeem(community, member.household, soap, 1, clerk)

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(DASHBOARD).status_code == 200
    add(27)
    BuildingGroupFactory.create_batch(5, community=community)
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as many:
        response = staff_client.get(DASHBOARD)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.context["dash"].quarter.volunteers == 30
    assert response.context["dash"].settlement.households == 30
    assert round_.pk == response.context["dash"].round.pk
