"""Standings (积分排行): points earned in a quarter or a year, by household, member and
building group, and the masked notice printed for the notice board."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points import services
from points.models import PassbookPolicy
from points.selectors import Period, mask_name, parse_period, quarter_of, ranked, standings
from tests.factories import (
    BuildingGroupFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectCategoryFactory,
    ProjectFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

D = datetime.date
STANDINGS = reverse("points:standings")
NOTICE = reverse("points:standings_notice")
Q3 = Period(2026, 3)
Q4 = Period(2026, 4)


# Periods and masking: plain functions.


@pytest.mark.parametrize(
    ("text", "period", "start", "end"),
    [
        ("2026Q1", Period(2026, 1), D(2026, 1, 1), D(2026, 3, 31)),
        ("2026Q2", Period(2026, 2), D(2026, 4, 1), D(2026, 6, 30)),
        ("2026q3", Period(2026, 3), D(2026, 7, 1), D(2026, 9, 30)),
        (" 2026Q4 ", Period(2026, 4), D(2026, 10, 1), D(2026, 12, 31)),
        ("2026", Period(2026), D(2026, 1, 1), D(2026, 12, 31)),
        ("2024Q1", Period(2024, 1), D(2024, 1, 1), D(2024, 3, 31)),
    ],
)
def test_a_period_is_a_quarter_or_a_year_with_both_ends_included(text, period, start, end):
    parsed = parse_period(text)
    assert parsed == period
    assert (parsed.start, parsed.end) == (start, end)


@pytest.mark.parametrize(
    "text", ["", "2026Q5", "2026Q0", "26Q1", "2026-10", "abc", "1999", "9999Q4", "٢٠٢٦"]
)
def test_anything_else_is_not_a_period(text):
    with pytest.raises(ValidationError):
        parse_period(text)


def test_a_day_belongs_to_the_quarter_of_its_month():
    assert quarter_of(D(2026, 9, 30)) == Q3
    assert quarter_of(D(2026, 10, 1)) == Q4
    assert quarter_of(D(2026, 1, 1)) == Period(2026, 1)
    assert quarter_of(D(2026, 12, 31)) == Q4


def test_periods_step_to_their_neighbours_and_label_in_chinese():
    assert Q4.next() == Period(2027, 1) and Period(2026, 1).previous() == Period(2025, 4)
    assert Period(2026).previous() == Period(2025)
    assert (Q4.param, Period(2026).param) == ("2026Q4", "2026")
    assert (Q4.label, Period(2026).label) == ("2026年第四季度", "2026年")


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("郑兴友", "郑*友"),
        ("王芳", "王*"),
        ("李", "李"),
        ("欧阳娜娜", "欧**娜"),
        (" 张桂兰 ", "张*兰"),
        ("", ""),
    ],
)
def test_names_on_the_notice_hide_all_but_the_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    scores = [9, 7, 7, 5, 5, 5, 1]
    assert [rank for rank, _score in ranked(scores, key=lambda s: s)] == [1, 2, 2, 4, 4, 4, 7]


# Sums over the ledger: these need the database.


@pytest.fixture
def staff():
    return UserFactory()


@pytest.fixture
def project(community):
    PointRuleFactory(community=community, starts_on=D(2020, 1, 1))
    return ProjectFactory(community=community, name="义务安保巡逻")


@pytest.fixture
def base_project(community):
    # A community that lets base points into household passbooks (off by default).
    PassbookPolicy.objects.create(community=community, base_points_to_passbook=True)
    category = ProjectCategoryFactory(community=community, name="党员基础分", is_base_points=True)
    return ProjectFactory(community=community, category=category, name="按时参加组织生活")


def earn(member, project, day, staff, hours=Decimal(2), times=1):
    """Approve `times` activities of `project` on `day` for `member` (1 point each under
    the default 1-per-session rule)."""
    ids = []
    for _ in range(times):
        activity = ActivityFactory(project=project, date=day, hours=hours)
        ids.append(AttendanceFactory(activity=activity, member=member, hours=hours).pk)
    services.approve(community=member.community, attendance_ids=ids, by=staff)
    return ids


@pytest.mark.django_db
def test_an_entry_on_30_september_counts_in_q3_and_one_on_1_october_in_q4(
    community, project, staff
):
    member = MemberFactory(household__community=community)
    earn(member, project, D(2026, 9, 30), staff)
    earn(member, project, D(2026, 10, 1), staff, times=2)

    q3 = standings(community=community, period=Q3)
    q4 = standings(community=community, period=Q4)
    year = standings(community=community, period=Period(2026))

    assert [row.points for row in q3.households] == [1]
    assert [row.points for row in q4.households] == [2]
    assert [row.points for row in year.households] == [3]
    assert q4.households[0].balance == 3  # the current balance, whatever the period


@pytest.mark.django_db
def test_reversals_subtract_and_redemptions_and_adjustments_are_not_earning(
    community, project, staff
):
    member = MemberFactory(household__community=community)
    household = member.household
    first, _second, _third = earn(member, project, D(2026, 10, 8), staff, times=3)
    services.undo_approval(
        attendance=Attendance.objects.get(pk=first),
        reason="登记错了人",
        by=staff,
    )
    services.adjust(
        household=household, amount=10, reason="纸质存折转入", by=staff, on=D(2026, 10, 9)
    )
    services.adjust(household=household, amount=-5, reason="兑换更正", by=staff, on=D(2026, 10, 9))

    result = standings(community=community, period=Q4)

    assert [(row.household, row.points) for row in result.households] == [(household, 2)]
    assert [(row.member, row.total) for row in result.members] == [(member, 2)]
    assert result.total_points == 2
    assert result.households[0].balance == 7


@pytest.mark.django_db
def test_members_points_are_split_into_base_and_value_added(
    community, project, base_project, staff
):
    party_member = MemberFactory(household__community=community, name="郑兴友")
    neighbour = MemberFactory(household=party_member.household, name="李秀英")
    earn(party_member, base_project, D(2026, 11, 2), staff, times=2)
    earn(party_member, project, D(2026, 11, 3), staff, times=3)
    earn(neighbour, project, D(2026, 11, 3), staff)

    result = standings(community=community, period=Q4)

    rows = [(r.rank, r.member.name, r.base, r.value_added, r.total) for r in result.members]
    assert rows == [(1, "郑兴友", 2, 3, 5), (2, "李秀英", 0, 1, 1)]
    assert [(r.points, r.names) for r in result.households] == [(6, ["郑兴友", "李秀英"])]


@pytest.mark.django_db
def test_another_communitys_entries_are_never_counted(community, other_community, project, staff):
    ours = MemberFactory(household__community=community)
    PointRuleFactory(community=other_community, starts_on=D(2020, 1, 1))
    theirs = MemberFactory(household__community=other_community)
    earn(ours, project, D(2026, 10, 8), staff)
    earn(theirs, ProjectFactory(community=other_community), D(2026, 10, 8), staff, times=5)

    result = standings(community=community, period=Q4)

    assert [row.household for row in result.households] == [ours.household]
    assert [row.member for row in result.members] == [ours]
    assert result.total_points == 1


@pytest.mark.django_db
def test_households_with_equal_points_share_a_rank_and_the_top_three_ranks_are_big_savers(
    community, project, staff
):
    scores = [5, 4, 4, 2, 1]
    members = [MemberFactory(household__community=community) for _ in scores]
    for member, score in zip(members, scores, strict=True):
        earn(member, project, D(2026, 12, 1), staff, times=score)

    result = standings(community=community, period=Q4, limit=2)

    assert [(r.rank, r.points) for r in result.top_savers] == [(1, 5), (2, 4), (2, 4)]
    # The cut keeps everyone ranked within it, ties included.
    assert [(r.rank, r.points) for r in result.households] == [(1, 5), (2, 4), (2, 4)]
    assert result.households_cut and result.households_taking_part == 5


@pytest.mark.django_db
def test_building_groups_show_points_households_taking_part_and_participation(
    community, project, staff
):
    busy = BuildingGroupFactory(community=community, name="5号楼组")
    quiet = BuildingGroupFactory(community=community, name="6号楼组")
    idle = BuildingGroupFactory(community=community, name="7号楼组")
    busy_homes = [HouseholdFactory(community=community, building_group=busy) for _ in range(4)]
    quiet_home = HouseholdFactory(community=community, building_group=quiet)
    HouseholdFactory(community=community, building_group=idle)
    earn(MemberFactory(household=busy_homes[0]), project, D(2026, 10, 8), staff, times=3)
    earn(MemberFactory(household=busy_homes[1]), project, D(2026, 10, 8), staff)
    reversed_ids = earn(MemberFactory(household=busy_homes[2]), project, D(2026, 10, 8), staff)
    services.undo_approval(
        attendance=Attendance.objects.get(pk=reversed_ids[0]),
        reason="重复登记",
        by=staff,
    )
    earn(MemberFactory(household=quiet_home), project, D(2026, 10, 9), staff, times=2)

    result = standings(community=community, period=Q4)

    rows = [
        (g.rank, g.group.name, g.points, g.taking_part, g.households, g.participation_percent)
        for g in result.groups
    ]
    # Net zero (earned, then reversed) is not taking part.
    assert rows == [
        (1, "5号楼组", 4, 2, 4, 50),
        (2, "6号楼组", 2, 1, 1, 100),
        (None, "7号楼组", 0, 0, 1, 0),
    ]
    # ★ is the sub-district's contest's award only (residents.stars), never a ranking.
    assert [g.starred for g in result.groups] == [False, False, False]


@pytest.mark.django_db
def test_the_standings_take_the_same_number_of_queries_as_households_and_entries_grow(
    community, project, base_project, staff, staff_client
):
    group = BuildingGroupFactory(community=community)

    def add_households(n):
        for _ in range(n):
            household = HouseholdFactory(community=community, building_group=group)
            member = MemberFactory(household=household)
            MemberFactory(household=household)
            earn(member, project, D(2026, 10, 8), staff, times=2)
            earn(member, base_project, D(2026, 10, 9), staff)

    def queries(address):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(address).status_code == 200
        return len(captured)

    add_households(2)
    few = (queries(f"{STANDINGS}?period=2026Q4"), queries(f"{NOTICE}?period=2026Q4"))
    add_households(6)
    many = (queries(f"{STANDINGS}?period=2026Q4&all=1"), queries(f"{NOTICE}?period=2026Q4"))
    assert many == few


# The pages.


@pytest.mark.django_db
def test_the_standings_page_ranks_households_members_and_building_groups(
    community, project, staff, staff_client
):
    group = BuildingGroupFactory(community=community, name="12号楼组")
    household = HouseholdFactory(
        community=community, building_group=group, building="5", room="302"
    )
    member = MemberFactory(household=household, name="郑兴友")
    earn(member, project, D(2026, 10, 8), staff, times=3)

    response = staff_client.get(STANDINGS, {"period": "2026Q4"})

    assert response.status_code == 200
    assert response.context["period"] == Q4
    body = response.content.decode()
    assert "积分排行 · 2026年第四季度" in body
    assert household.passbook_number in body and "郑兴友" in body and "12号楼组" in body
    assert "储值大户" in body


@pytest.mark.django_db
def test_without_a_period_the_page_shows_the_current_quarter_in_shanghai(staff_client, monkeypatch):
    # 30 September 17:00 UTC is already 1 October in Shanghai.
    moment = datetime.datetime(2026, 9, 30, 17, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    response = staff_client.get(STANDINGS)
    assert response.context["period"] == Q4


@pytest.mark.django_db
def test_a_year_can_be_chosen_and_a_malformed_period_falls_back_with_a_message(staff_client):
    assert staff_client.get(STANDINGS, {"period": "2025"}).context["period"] == Period(2025)
    response = staff_client.get(STANDINGS, {"period": "2026Q9"})
    assert response.status_code == 200
    assert response.context["period"] == quarter_of(timezone.localdate())
    assert "2026Q4（季度）或 2026（全年）" in response.content.decode()


@pytest.mark.django_db
def test_standings_are_for_register_staff_only(
    staff_client, admin_client_of_community, counter_client, client
):
    for address in (STANDINGS, NOTICE):
        assert staff_client.get(address).status_code == 200
        assert admin_client_of_community.get(address).status_code == 200
        assert counter_client.get(address).status_code == 403
        assert client.get(address).status_code == 302  # to the login page


@pytest.mark.django_db
def test_standings_pages_refuse_post(staff_client):
    assert staff_client.post(STANDINGS).status_code == 405
    assert staff_client.post(NOTICE).status_code == 405


@pytest.mark.django_db
def test_the_notice_masks_names_and_shows_no_phone_or_passbook_numbers(
    community, project, staff, staff_client
):
    household = HouseholdFactory(community=community, building="5", room="302", phone="13912345678")
    head = MemberFactory(household=household, name="郑兴友", phone="13800001111")
    MemberFactory(household=household, name="王芳")
    earn(head, project, D(2026, 10, 8), staff, times=2)

    response = staff_client.get(NOTICE, {"period": "2026Q4"})

    body = response.content.decode()
    assert f"{community.name} 2026年第四季度 积分排行" in body
    assert "郑*友" in body and "王*" in body and "5-302" in body
    assert "郑兴友" not in body and "王芳" not in body
    assert "13912345678" not in body and "13800001111" not in body
    assert household.passbook_number not in body
