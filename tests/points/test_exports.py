"""Points as spreadsheets: a household's ledger and the community's for a period, and the
standings (the same figures as the standings page). The tests open the files."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from points import selectors, services
from points.models import LedgerEntry, PassbookPolicy
from points.selectors import Period
from residents.models import ExportRecord
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectCategoryFactory,
    ProjectFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory, posting_on
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db
D = datetime.date
LEDGER = reverse("points:ledger_export")
STANDINGS = reverse("points:standings_export")
MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def household_ledger(household) -> str:
    return reverse("points:household_ledger_export", args=[household.pk])


def xlsx(response) -> dict[str, list[dict]]:
    """Every sheet as a list of {header: value}."""
    workbook = load_workbook(io.BytesIO(response.content))
    sheets = {}
    for sheet in workbook.worksheets:
        header, *rows = sheet.iter_rows(values_only=True)
        sheets[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    return sheets


def csv_dicts(response) -> list[dict]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def clerk():
    return UserFactory(username="clerk", first_name="王芳")


@pytest.fixture
def project(community):
    PointRuleFactory(community=community, starts_on=D(2020, 1, 1))
    return ProjectFactory(community=community, name="义务巡逻")


def earn(member, project, day, by, times=1) -> list[int]:
    ids = []
    for _ in range(times):
        activity = ActivityFactory(project=project, date=day, title=f"{project.name}{day:%m%d}")
        ids.append(AttendanceFactory(activity=activity, member=member).pk)
    services.approve(community=member.community, attendance_ids=ids, by=by)
    return ids


@pytest.fixture
def zheng(community, project, clerk):
    """郑兴友 of 阳光苑5号2单元302室: 1 point for 30 September posted that day; 3 points for
    8 October posted on 10 October, one of them taken back on 12 October, with an
    adjustment dated 9 October posted that day too."""
    compound = CompoundFactory(community=community, name="阳光苑")
    household = HouseholdFactory(
        community=community,
        compound=compound,
        building="5",
        unit="2",
        room="302",
        passbook_number="SX-00123",
        phone="13812345678",
    )
    member = MemberFactory(household=household, name="郑兴友", phone="13987654321")
    with posting_on(D(2026, 9, 30)):
        earn(member, project, D(2026, 9, 30), clerk)
    with posting_on(D(2026, 10, 10)):
        first, *_rest = earn(member, project, D(2026, 10, 8), clerk, times=3)
    with posting_on(D(2026, 10, 12)):
        services.undo_approval(
            attendance=Attendance.objects.get(pk=first), reason="登记错了人", by=clerk
        )
        services.adjust(
            household=household, amount=5, reason="纸质存折转入", by=clerk, on=D(2026, 10, 9)
        )
    return member


# A household's ledger ---------------------------------------------------------------------------


def test_a_households_ledger_for_a_quarter_lists_its_entries_in_order(staff_client, zheng):
    response = staff_client.get(
        household_ledger(zheng.household), {"period": "2026Q4", "format": "xlsx"}
    )

    assert response.status_code == 200
    assert 'filename="ledger-SX-00123-2026Q4.xlsx"' in response["Content-Disposition"]
    rows = xlsx(response)["积分明细"]
    assert [(r["类型"], r["积分"], r["余额"]) for r in rows] == [
        ("服务积分", 1, 2),
        ("服务积分", 1, 3),
        ("服务积分", 1, 4),
        ("冲正", -1, 3),
        ("调整", 5, 8),
    ]
    earned = rows[0]
    # The day it was posted, as the passbook lists it; the activity's own date beside it.
    assert earned["记账日期"] == datetime.datetime(2026, 10, 10)  # a date cell, not text
    assert earned["活动日期"] == datetime.datetime(2026, 10, 8)
    assert earned["存折编号"] == "SX-00123"
    assert earned["住址"] == "阳光苑5号2单元302室"
    assert earned["居民"] == "郑兴友" and earned["积分类别"] == "增值分"
    assert earned["活动"] == "义务巡逻1008" and earned["经办人"] == "王芳"
    assert isinstance(earned["记账时间"], datetime.datetime)
    reversal = rows[3]
    assert reversal["原因"] == "撤销审核：登记错了人"
    assert reversal["冲正的记录"] == LedgerEntry.objects.get(pk=reversal["冲正的记录"]).pk
    assert rows[4]["原因"] == "纸质存折转入" and rows[4]["居民"] is None
    record = ExportRecord.objects.get()
    assert (record.what, record.file_format, record.rows, record.full_phones) == (
        "household_ledger",
        "xlsx",
        5,
        False,
    )
    assert record.parameters == {"household": "SX-00123", "period": "2026Q4"}


def test_a_year_takes_in_every_quarter_and_a_csv_reads_back_the_same(staff_client, zheng):
    response = staff_client.get(
        household_ledger(zheng.household), {"period": "2026", "format": "csv"}
    )

    rows = csv_dicts(response)
    assert [r["记账日期"] for r in rows] == [
        "2026-09-30",
        *["2026-10-10"] * 3,
        *["2026-10-12"] * 2,
    ]
    assert [r["活动日期"] for r in rows] == ["2026-09-30", *["2026-10-08"] * 4, ""]
    assert [int(r["积分"]) for r in rows] == [1, 1, 1, 1, -1, 5]
    assert [int(r["余额"]) for r in rows] == [1, 2, 3, 4, 3, 8]  # read down, never a jump
    assert not MOBILE.search(response.content.decode())


def test_without_a_format_the_link_opens_a_page_to_choose_the_period(staff_client, zheng):
    response = staff_client.get(household_ledger(zheng.household))

    assert response.status_code == 200
    assert "导出 SX-00123 的积分明细" in response.content.decode()
    assert 'name="format" value="xlsx"' in response.content.decode()
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"period": "2026Q5", "format": "xlsx"},
        {"period": "最近", "format": "csv"},
        {"period": "2030", "format": "csv"},
        {"period": "2026Q4", "format": "pdf"},
    ],
)
def test_a_bad_period_or_format_is_refused_with_400_and_nothing_recorded(
    staff_client, zheng, query
):
    response = staff_client.get(household_ledger(zheng.household), query)

    assert response.status_code == 400
    assert "无法导出" in response.content.decode()
    assert not ExportRecord.objects.exists()


def test_another_communitys_household_is_not_found(other_staff_client, zheng):
    response = other_staff_client.get(
        household_ledger(zheng.household), {"period": "2026", "format": "xlsx"}
    )

    assert response.status_code == 404
    assert not ExportRecord.objects.exists()


def test_the_ledger_exports_are_download_only(staff_client, zheng):
    assert (
        staff_client.post(household_ledger(zheng.household), {"format": "xlsx"}).status_code == 405
    )
    assert staff_client.post(LEDGER, {"format": "xlsx"}).status_code == 405
    assert staff_client.post(STANDINGS, {"format": "xlsx"}).status_code == 405
    assert not ExportRecord.objects.exists()


def test_counter_clerks_cannot_export_points(counter_client, zheng):
    assert (
        counter_client.get(household_ledger(zheng.household), {"format": "xlsx"}).status_code == 403
    )
    assert counter_client.get(LEDGER, {"format": "xlsx"}).status_code == 403
    assert counter_client.get(STANDINGS, {"format": "xlsx"}).status_code == 403


def test_the_passbook_page_links_to_the_export(staff_client, zheng):
    page = staff_client.get(reverse("points:household_ledger", args=[zheng.household.pk]))

    assert household_ledger(zheng.household) in page.content.decode()


# The community's ledger -------------------------------------------------------------------------


def test_the_communitys_ledger_has_every_households_entries_of_the_period(
    staff_client, zheng, project, clerk, community, other_community
):
    neighbour = MemberFactory(household__community=community, name="李秀英")
    with posting_on(D(2026, 11, 3)):
        earn(neighbour, project, D(2026, 11, 2), clerk, times=2)
    PointRuleFactory(community=other_community, starts_on=D(2020, 1, 1))
    stranger = MemberFactory(household__community=other_community, name="外人")
    earn(stranger, ProjectFactory(community=other_community), D(2026, 11, 2), clerk)

    response = staff_client.get(LEDGER, {"period": "2026Q4", "format": "csv"})

    rows = csv_dicts(response)
    assert [r["居民"] for r in rows] == ["郑兴友"] * 4 + [""] + ["李秀英"] * 2
    assert "外人" not in response.content.decode()
    assert 'filename="ledger-shanxin-2026Q4.csv"' in response["Content-Disposition"]
    record = ExportRecord.objects.get()
    assert (record.what, record.rows, record.parameters) == ("ledger", 7, {"period": "2026Q4"})


def test_without_a_period_the_current_quarter_is_exported(staff_client, zheng):
    response = staff_client.get(LEDGER, {"format": "csv"})

    assert response.status_code == 200
    current = selectors.quarter_of(timezone.localdate())
    assert ExportRecord.objects.get().parameters == {"period": current.param}


# Standings ---------------------------------------------------------------------------------------


@pytest.fixture
def ranked(community, project, clerk, zheng):
    """Three households in two building groups, with base and value-added points."""
    PassbookPolicy.objects.create(community=community, base_points_to_passbook=True)
    base = ProjectFactory(
        community=community,
        category=ProjectCategoryFactory(community=community, is_base_points=True),
        name="组织生活",
    )
    five = BuildingGroupFactory(community=community, name="5号楼组")
    six = BuildingGroupFactory(community=community, name="6号楼组")
    zheng.household.building_group = five
    zheng.household.save()
    li = MemberFactory(
        household__community=community, household__building_group=five, name="李秀英"
    )
    wang = MemberFactory(
        household__community=community, household__building_group=six, name="王建国"
    )
    earn(li, base, D(2026, 11, 3), clerk, times=4)
    earn(wang, project, D(2026, 11, 4), clerk, times=2)
    return {"li": li, "wang": wang}


def test_the_standings_workbook_has_the_pages_figures_on_three_sheets(
    staff_client, ranked, community
):
    response = staff_client.get(STANDINGS, {"period": "2026Q4", "format": "xlsx"})

    sheets = xlsx(response)
    assert list(sheets) == ["家庭排行", "居民排行", "楼组排行"]
    page = selectors.standings(community=community, period=Period(2026, 4), limit=None)
    assert [
        (r["名次"], r["存折编号"], r["本期积分"], r["当前余额"]) for r in sheets["家庭排行"]
    ] == [
        (row.rank, row.household.passbook_number, row.points, row.balance)
        for row in page.households
    ]
    assert [
        (r["名次"], r["姓名"], r["基础分"], r["增值分"], r["合计"]) for r in sheets["居民排行"]
    ] == [
        (1, "李秀英", 4, 0, 4),
        (2, "郑兴友", 0, 2, 2),
        (2, "王建国", 0, 2, 2),
    ]
    assert [
        (
            r["名次"],
            r["楼组"],
            r["本期积分"],
            r["参与户"],
            r["户数"],
            r["参与率（%）"],
            r["星级楼组"],
        )
        for r in sheets["楼组排行"]
    ] == [(1, "5号楼组", 6, 2, 2, 100, None), (2, "6号楼组", 2, 1, 1, 100, None)]
    assert sheets["家庭排行"][0]["家庭成员"] == "李秀英"
    record = ExportRecord.objects.get()
    assert (record.what, record.rows, record.parameters) == ("standings", 8, {"period": "2026Q4"})


def test_one_ranking_comes_as_csv(staff_client, ranked):
    members = staff_client.get(STANDINGS, {"period": "2026Q4", "format": "csv", "part": "members"})
    groups = staff_client.get(STANDINGS, {"period": "2026", "format": "csv", "part": "groups"})

    assert [(r["名次"], r["姓名"], r["合计"]) for r in csv_dicts(members)] == [
        ("1", "李秀英", "4"),
        ("2", "郑兴友", "2"),
        ("2", "王建国", "2"),
    ]
    assert 'filename="standings-members-shanxin-2026Q4.csv"' in members["Content-Disposition"]
    assert [r["楼组"] for r in csv_dicts(groups)] == ["5号楼组", "6号楼组"]
    records = ExportRecord.objects.order_by("pk")
    assert [(r.rows, r.parameters) for r in records] == [
        (3, {"period": "2026Q4", "part": "居民排行"}),
        (2, {"period": "2026", "part": "楼组排行"}),
    ]


def test_a_ranking_that_does_not_exist_is_refused(staff_client, ranked):
    response = staff_client.get(STANDINGS, {"period": "2026Q4", "format": "csv", "part": "phones"})

    assert response.status_code == 400
    assert not ExportRecord.objects.exists()


def test_the_standings_files_carry_no_phone_numbers(
    staff_client, admin_client_of_community, ranked
):
    for client in (staff_client, admin_client_of_community):
        for part in ("households", "members", "groups"):
            response = client.get(STANDINGS, {"period": "2026", "format": "csv", "part": part})
            assert not MOBILE.search(response.content.decode())
    assert not ExportRecord.objects.filter(full_phones=True).exists()


def test_the_standings_page_links_to_its_downloads(staff_client, ranked):
    page = staff_client.get(reverse("points:standings"), {"period": "2026Q4"}).content.decode()

    assert f"{STANDINGS}?period=2026Q4&amp;format=xlsx" in page
    assert f"{LEDGER}?period=2026Q4&amp;format=csv" in page


# Query budgets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        f"{LEDGER}?period=2026Q4&format=xlsx",
        f"{STANDINGS}?period=2026Q4&format=xlsx",
        f"{STANDINGS}?period=2026Q4&format=csv&part=members",
    ],
)
def test_point_exports_cost_the_same_queries_for_3_or_30_households(
    staff_client, community, project, clerk, address
):
    group = BuildingGroupFactory(community=community)

    def add(n):
        for _ in range(n):
            member = MemberFactory(household__community=community, household__building_group=group)
            MemberFactory(household=member.household)
            earn(member, project, D(2026, 10, 8), clerk, times=2)

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(address).status_code == 200
    add(27)
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(address).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
