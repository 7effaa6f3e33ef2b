"""Spreadsheets that walk out: the shared builder, the household register export (the
household list's filters, one row per resident, phones masked for staff), the export log,
and where staff land after signing in."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from residents import services
from residents.models import ExportRecord, Household, Member
from residents.spreadsheets import (
    YUAN_FORMAT,
    Column,
    Table,
    content_disposition,
    csv_bytes,
    workbook_bytes,
)
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    StaffMembershipFactory,
)

pytestmark = pytest.mark.django_db
EXPORT = reverse("residents:household_export")
LOG = reverse("residents:export_log")
MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def xlsx_rows(response, sheet: str | None = None) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    return list(worksheet.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_dicts(rows) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


# The builder -------------------------------------------------------------------------------


def test_a_workbook_keeps_numbers_as_numbers_and_dates_as_dates():
    table = Table(
        "汇总",
        [Column("日期", 11), Column("积分", 6), Column("金额（元）", 10, YUAN_FORMAT)],
        [[datetime.date(2026, 11, 21), 12, Decimal("12.50")]],
    )
    sheet = load_workbook(io.BytesIO(workbook_bytes([table])))["汇总"]

    assert [c.value for c in sheet[1]] == ["日期", "积分", "金额（元）"]
    day, points, yuan = sheet[2]
    assert day.is_date and day.value == datetime.datetime(2026, 11, 21)
    assert points.value == 12 and points.data_type == "n"
    assert yuan.value == 12.5 and yuan.number_format == YUAN_FORMAT
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 10
    assert sheet["A1"].font.bold


def test_what_somebody_typed_as_a_formula_stays_text_in_both_formats():
    table = Table("名单", [Column("姓名")], [['=HYPERLINK("http://x")'], ["@SUM(A1)"], ["-5"]])

    sheet = load_workbook(io.BytesIO(workbook_bytes([table])))["名单"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.data_type for cell in cells] == ["s", "s", "s"]
    assert cells[0].value == '=HYPERLINK("http://x")'

    lines = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    assert lines[1:] == [['\'=HYPERLINK("http://x")'], ["'@SUM(A1)"], ["'-5"]]


def test_a_csv_is_utf8_with_a_bom_and_writes_yes_and_no_in_chinese():
    table = Table(
        "名单",
        [Column("姓名"), Column("党员"), Column("日期"), Column("金额")],
        [["郑兴友", True, datetime.date(2026, 1, 5), Decimal("8.50")], ["王芳", False, None, 0]],
    )
    content = csv_bytes(table)

    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines() == [
        "姓名,党员,日期,金额",
        "郑兴友,是,2026-01-05,8.50",
        "王芳,否,,0",
    ]


def test_the_download_is_named_in_ascii_and_in_chinese():
    header = content_disposition("households-shanxin-20261121.xlsx", "住户名册-2026年11月21日.xlsx")

    assert header.startswith('attachment; filename="households-shanxin-20261121.xlsx"; ')
    assert "filename*=UTF-8''%E4%BD%8F%E6%88%B7%E5%90%8D%E5%86%8C-2026" in header
    assert content_disposition('a"b\\c名.csv', "x.csv").startswith(
        'attachment; filename="a_b_c_.csv"'
    )


# The household register export ----------------------------------------------------------------


@pytest.fixture
def register(community):
    """Two households in residence (one with two residents, one with a landline and no
    resident on record) and one that moved out."""
    compound = CompoundFactory(community=community, name="阳光苑")
    group = BuildingGroupFactory(community=community, compound=compound, name="5号楼组")
    lonely = HouseholdTypeFactory(community=community, name="独居老人")
    zheng = HouseholdFactory(
        community=community,
        compound=compound,
        building="5",
        unit="2",
        room="302",
        building_group=group,
        phone="13812345678",
        passbook_number="SX-00001",
    )
    zheng.types.add(lonely)
    MemberFactory(
        household=zheng,
        name="郑兴友",
        gender=Member.Gender.MALE,
        birth_year=1950,
        phone="13987654321",
        specialties=["电脑", "理发"],
        is_party_member=True,
        position=0,
    )
    MemberFactory(
        household=zheng,
        name="李秀英",
        relation=Member.Relation.SPOUSE,
        phone="",
        position=1,
    )
    MemberFactory(household=zheng, name="郑小明", is_active=False, position=2)
    empty = HouseholdFactory(
        community=community,
        compound=compound,
        building="12",
        room="101",
        phone="021-64001234",
        passbook_number="SX-00002",
    )
    gone = HouseholdFactory(
        community=community, compound=compound, building="7", room="101", passbook_number="SX-00003"
    )
    MemberFactory(household=gone, name="王建国")
    services.move_out(household=gone, on=datetime.date(2026, 3, 1))
    return {"zheng": zheng, "empty": empty, "gone": gone, "group": group, "type": lonely}


def test_staff_download_one_row_per_resident_with_the_households_columns(staff_client, register):
    response = staff_client.get(EXPORT, {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="households-shanxin-' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = as_dicts(xlsx_rows(response))
    assert [(r["存折编号"], r["姓名"]) for r in rows] == [
        ("SX-00001", "郑兴友"),
        ("SX-00001", "李秀英"),
        ("SX-00002", None),  # nobody on record: the household is still in the file
    ]
    first = rows[0]
    assert first["小区"] == "阳光苑"
    assert (first["楼号"], first["单元"], first["室号"]) == ("5", "2", "302")
    assert first["楼组"] == "5号楼组" and first["家庭类型"] == "独居老人"
    assert first["状态"] == "在册"
    assert first["性别"] == "男" and first["出生年份"] == 1950
    assert first["与户主关系"] == "户主" and rows[1]["与户主关系"] == "配偶"
    assert first["特长"] == "电脑、理发"
    assert first["是否党员"] == "是" and rows[1]["是否党员"] == "否"


def test_staff_get_masked_phone_numbers_and_never_an_eleven_digit_one(staff_client, register):
    response = staff_client.get(EXPORT, {"format": "xlsx"})

    rows = as_dicts(xlsx_rows(response))
    assert rows[0]["家庭电话"] == "138****5678"
    assert rows[0]["手机"] == "139****4321"
    assert rows[2]["家庭电话"] == "021-****1234"
    every_cell = " ".join(str(v) for row in xlsx_rows(response) for v in row if v is not None)
    assert not MOBILE.search(every_cell)
    assert not MOBILE.search(staff_client.get(EXPORT, {"format": "csv"}).content.decode())
    record = ExportRecord.objects.get(file_format="xlsx")
    assert record.full_phones is False


def test_admins_get_full_phone_numbers_and_the_log_says_so(admin_client_of_community, register):
    response = admin_client_of_community.get(EXPORT, {"format": "csv"})

    rows = as_dicts(csv_rows(response))
    assert rows[0]["家庭电话"] == "13812345678"
    assert rows[0]["手机"] == "13987654321"
    record = ExportRecord.objects.get()
    assert (record.what, record.file_format, record.rows, record.full_phones) == (
        "households",
        "csv",
        3,
        True,
    )
    assert record.user == admin_client_of_community.user
    assert record.community == register["zheng"].community


def test_the_export_follows_the_household_lists_filters(staff_client, register):
    by_group = as_dicts(
        csv_rows(
            staff_client.get(EXPORT, {"format": "csv", "building_group": register["group"].pk})
        )
    )
    by_search = as_dicts(csv_rows(staff_client.get(EXPORT, {"format": "csv", "q": "12-101"})))
    moved_out = as_dicts(
        csv_rows(staff_client.get(EXPORT, {"format": "csv", "status": "moved_out"}))
    )
    everyone = as_dicts(csv_rows(staff_client.get(EXPORT, {"format": "csv", "status": "all"})))
    by_type = as_dicts(
        csv_rows(staff_client.get(EXPORT, {"format": "csv", "type": register["type"].pk}))
    )

    assert {r["存折编号"] for r in by_group} == {"SX-00001"}
    assert {r["存折编号"] for r in by_search} == {"SX-00002"}
    assert [(r["存折编号"], r["状态"], r["迁出日期"]) for r in moved_out] == [
        ("SX-00003", "已迁出", "2026-03-01")
    ]
    assert {r["存折编号"] for r in everyone} == {"SX-00001", "SX-00002", "SX-00003"}
    assert {r["存折编号"] for r in by_type} == {"SX-00001"}
    records = ExportRecord.objects.order_by("pk")
    assert records[0].parameters == {"building_group": "5号楼组", "status": "在册"}
    assert records[1].parameters == {"q": "12-101", "status": "在册"}


def test_a_bad_format_or_filter_is_refused_with_400_and_nothing_is_recorded(
    staff_client, register, other_community
):
    theirs = BuildingGroupFactory(community=other_community)

    bad_format = staff_client.get(EXPORT, {"format": "pdf"})
    their_group = staff_client.get(EXPORT, {"format": "xlsx", "building_group": theirs.pk})
    bad_status = staff_client.get(EXPORT, {"format": "csv", "status": "gone"})

    assert bad_format.status_code == 400
    assert "文件格式只能是 xlsx 或 csv" in bad_format.content.decode()
    assert their_group.status_code == 400
    assert "楼组" in their_group.content.decode()
    assert bad_status.status_code == 400
    assert not ExportRecord.objects.exists()


def test_the_export_is_download_only(staff_client, register):
    response = staff_client.post(EXPORT, {"format": "xlsx"})

    assert response.status_code == 405
    assert not ExportRecord.objects.exists()


def test_counter_clerks_cannot_export_the_register(counter_client, register):
    assert counter_client.get(EXPORT, {"format": "xlsx"}).status_code == 403
    assert not ExportRecord.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, register):
    response = client.get(EXPORT, {"format": "xlsx"})

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_another_communitys_staff_export_only_their_own_households(
    other_staff_client, register, other_community
):
    HouseholdFactory(community=other_community, passbook_number="QH-00001")

    rows = as_dicts(csv_rows(other_staff_client.get(EXPORT, {"format": "csv"})))

    assert [r["存折编号"] for r in rows] == ["QH-00001"]
    assert ExportRecord.objects.get().community == other_community


def _households_with_members(community, count: int) -> None:
    group = BuildingGroupFactory(community=community)
    kind = HouseholdTypeFactory(community=community, name="普通家庭")
    for _ in range(count):
        household = HouseholdFactory(community=community, building_group=group)
        household.types.add(kind)
        MemberFactory(household=household)
        MemberFactory(household=household, relation=Member.Relation.SPOUSE)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_export_costs_the_same_queries_for_3_or_30_households(
    staff_client, community, file_format
):
    _households_with_members(community, 3)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(EXPORT, {"format": file_format}).status_code == 200
    _households_with_members(community, 27)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(EXPORT, {"format": file_format})

    assert response.status_code == 200
    assert ExportRecord.objects.order_by("-pk").first().rows == 60
    assert len(many.captured_queries) == len(few.captured_queries) <= 10


# The export log ------------------------------------------------------------------------------


def test_admins_see_who_exported_what_newest_first(
    admin_client_of_community, staff_client, register
):
    staff_client.get(EXPORT, {"format": "xlsx", "q": "5-302"})
    admin_client_of_community.get(EXPORT, {"format": "csv"})

    response = admin_client_of_community.get(LOG)

    assert response.status_code == 200
    records = list(response.context["page"].object_list)
    assert [(r.user, r.file_format, r.full_phones) for r in records] == [
        (admin_client_of_community.user, "csv", True),
        (staff_client.user, "xlsx", False),
    ]
    page = response.content.decode()
    assert "住户名册" in page and "查找：5-302" in page


def test_the_log_shows_only_this_communitys_exports_and_pages_them(
    admin_client_of_community, other_staff_client, community, other_community
):
    other_staff_client.get(EXPORT, {"format": "csv"})
    for _ in range(55):
        ExportRecord.objects.create(
            community=community,
            user=admin_client_of_community.user,
            what="households",
            file_format="xlsx",
            rows=1,
        )

    first = admin_client_of_community.get(LOG)
    second = admin_client_of_community.get(LOG, {"page": 2})

    assert first.context["page"].paginator.count == 55
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert all(r.community == community for r in second.context["page"].object_list)


def test_the_log_is_for_admins_only(staff_client, counter_client):
    assert staff_client.get(LOG).status_code == 403
    assert counter_client.get(LOG).status_code == 403


def test_the_log_is_read_only(admin_client_of_community):
    assert admin_client_of_community.post(LOG).status_code == 405


def test_the_log_costs_the_same_queries_however_many_records(
    admin_client_of_community, community, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            user = StaffMembershipFactory(community=community).user
            ExportRecord.objects.create(
                community=community, user=user, what="ledger", file_format="csv", rows=5
            )

    add(3)
    with CaptureQueriesContext(connection) as few:
        admin_client_of_community.get(LOG)
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client_of_community.get(LOG)
    assert response.context["page"].paginator.count == 30


# Signing in lands on the dashboard ------------------------------------------------------------


def test_staff_and_admins_start_at_the_dashboard(staff_client, admin_client_of_community):
    dashboard = reverse("redemption:dashboard")

    assert staff_client.get(reverse("residents:home"))["Location"] == dashboard
    assert admin_client_of_community.get(reverse("residents:home"))["Location"] == dashboard


def test_counter_clerks_start_at_the_counter_when_there_is_one(counter_client):
    try:
        expected = reverse("redemption:counter")
    except NoReverseMatch:  # the counter page is not in this build yet
        expected = reverse("redemption:dashboard")

    assert counter_client.get(reverse("residents:home"))["Location"] == expected


def test_the_household_list_offers_the_download_with_its_filters(staff_client, register):
    page = staff_client.get(reverse("residents:household_list"), {"q": "5-302"}).content.decode()

    assert f"{EXPORT}?q=5-302&amp;format=xlsx" in page
    assert f"{EXPORT}?q=5-302&amp;format=csv" in page


def test_households_are_exported_in_the_lists_natural_order(staff_client, community):
    compound = CompoundFactory(community=community)
    for building, room in [("10", "101"), ("2", "1201"), ("2", "302")]:
        HouseholdFactory(community=community, compound=compound, building=building, room=room)

    rows = as_dicts(csv_rows(staff_client.get(EXPORT, {"format": "csv"})))

    assert [(r["楼号"], r["室号"]) for r in rows] == [("2", "302"), ("2", "1201"), ("10", "101")]
    assert Household.objects.count() == 3
