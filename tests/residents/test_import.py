"""Importing the household roster (residents.importing) and its command, with real .xlsx
and .csv files built here."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from residents import importing
from residents.models import AuditEvent, Compound, Household, Member
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db

HEADERS = (
    "小区",
    "楼号",
    "单元",
    "室号",
    "楼组",
    "家庭类型",
    "姓名",
    "性别",
    "出生年份",
    "与户主关系",
    "手机",
    "是否党员",
    "在职党员",
    "工作单位",
    "职务",
    "特长",
)


def person(**fields: str) -> dict[str, str]:
    """A row of the roster: 郑兴友, head of 山鑫阳光城一期 5号1单元302室, unless told."""
    row = {
        "小区": "山鑫阳光城一期",
        "楼号": "5",
        "单元": "1",
        "室号": "302",
        "楼组": "5号楼组",
        "姓名": "郑兴友",
        "性别": "男",
        "出生年份": "1951",
        "与户主关系": "户主",
        "手机": "13812341234",
        "是否党员": "否",
    }
    row.update(fields)
    return row


def spouse(**fields: str) -> dict[str, str]:
    wife = {"姓名": "姚萍", "性别": "女", "出生年份": "1953", "与户主关系": "配偶", "手机": ""}
    return person(**{**wife, **fields})


def _table(people, headers) -> list[list[str]]:
    return [[p.get(h, "") for h in headers] for p in people]


def xlsx_file(people, headers=HEADERS, *, title: str | None = None, merges=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for cells in _table(people, headers):
        sheet.append(cells)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_file(people, headers=HEADERS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(_table(people, headers))
    return out.getvalue().encode(encoding)


def make_register(community) -> SimpleNamespace:
    """The community's compounds, building groups and household types."""
    first = CompoundFactory(community=community, name="山鑫阳光城一期")
    second = CompoundFactory(community=community, name="山鑫阳光城二期")
    return SimpleNamespace(
        first=first,
        second=second,
        group5=BuildingGroupFactory(community=community, compound=first, name="5号楼组"),
        group6=BuildingGroupFactory(community=community, compound=first, name="6号楼组"),
        group13=BuildingGroupFactory(community=community, compound=second, name="13号楼组"),
        alone=HouseholdTypeFactory(community=community, name="独居老人"),
        poor=HouseholdTypeFactory(community=community, name="困难家庭"),
    )


@pytest.fixture
def register(community) -> SimpleNamespace:
    return make_register(community)


def do_import(community, content: bytes, name: str = "名册.xlsx", **options):
    return importing.import_roster(community=community, content=content, file_name=name, **options)


def do_check(community, content: bytes, name: str = "名册.xlsx"):
    return importing.check_roster(community=community, content=content, file_name=name)


def nothing_saved(community) -> bool:
    community.refresh_from_db()
    return (
        not Household.objects.filter(community=community).exists()
        and not Member.objects.filter(community=community).exists()
        and community.passbook_serial == 0
    )


# Good files


def test_an_xlsx_roster_creates_a_household_per_address_with_its_members(community, register):
    content = xlsx_file(
        [
            person(家庭类型="独居老人、困难家庭", 特长="维修家电、理发", 是否党员="是"),
            spouse(),
            person(室号="402", 姓名="李秀英", 性别="女", 手机="021-6400 1234"),
        ]
    )
    result = do_import(community, content)

    assert result.saved
    assert (result.households_new, result.members_new) == (2, 3)
    first = Household.objects.get(community=community, room="302")
    assert first.passbook_number == "SX-00001"
    assert first.address == "山鑫阳光城一期5号1单元302室"
    assert first.building_group == register.group5
    assert first.phone == "13812341234"  # the head's phone, as there is no household column
    assert set(first.types.all()) == {register.alone, register.poor}
    head, wife = first.members.order_by("position")
    assert (head.name, head.relation, head.gender, head.birth_year) == ("郑兴友", "head", "M", 1951)
    assert head.specialties == ["维修家电", "理发"]
    assert head.is_party_member and not head.is_in_service_party_member
    assert (head.name_pinyin, head.name_initials) == ("zhengxingyou", "zxy")
    assert (wife.name, wife.relation, wife.phone, wife.position) == ("姚萍", "spouse", "", 1)
    second = Household.objects.get(community=community, room="402")
    assert second.passbook_number == "SX-00002"
    assert second.members.get().phone == "021-64001234"
    community.refresh_from_db()
    assert community.passbook_serial == 2


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8（带 BOM）"),
        ("gbk", "GBK/GB18030"),
        ("gb18030", "GBK/GB18030"),
    ],
)
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_imports_alike(
    community, register, encoding, label
):
    content = csv_file([person(), spouse(特长="编织")], encoding=encoding)
    result = do_import(community, content, name="名册.csv")

    assert result.encoding == label
    household = Household.objects.get(community=community)
    assert household.address == "山鑫阳光城一期5号1单元302室"
    assert list(household.members.values_list("name", "specialties")) == [
        ("郑兴友", []),
        ("姚萍", ["编织"]),
    ]


def test_csv_separated_by_tabs_or_semicolons_is_read_too(community, register):
    text = "姓名\t楼号\t室号\t小区\n郑兴友\t5\t302\t山鑫阳光城一期\n"
    result = do_import(community, text.encode("utf-16"), name="名册.txt")
    assert result.households_new == 1
    text = "姓名;楼号;室号;小区\n李秀英;6;101;山鑫阳光城一期\n"
    assert do_import(community, text.encode("utf-8"), name="b.csv").households_new == 1


def test_headers_are_matched_flexibly_and_unknown_columns_are_listed(community, register):
    headers = ("序号", "小区名称", "楼栋", "房号", "所属楼组", "姓名", "出生日期", "联系电话")
    headers += ("政治面貌", "备注")
    row = {
        "序号": "1",
        "小区名称": "山鑫阳光城一期",
        "楼栋": "5号楼",
        "房号": "302室",
        "所属楼组": "5",
        "姓名": "郑兴友",
        "出生日期": "1951-03-08",
        "联系电话": "138-1234-1234",
        "政治面貌": "中共党员",
        "备注": "腿脚不便",
    }
    result = do_import(community, xlsx_file([row], headers))

    matched = {cell.text: cell.column.key for cell in result.header if cell.column}
    assert matched == {
        "小区名称": "compound",
        "楼栋": "building",
        "房号": "room",
        "所属楼组": "building_group",
        "姓名": "name",
        "出生日期": "birth",
        "联系电话": "phone",  # the only phone column: the person's
        "政治面貌": "party",
    }
    assert [cell.text for cell in result.ignored_columns] == ["序号", "备注"]
    member = Member.objects.get(community=community)
    assert (member.household.building, member.household.room) == ("5", "302")
    assert member.household.building_group == register.group5  # "5" means 5号楼组
    assert (member.birth_year, member.phone, member.is_party_member) == (1951, "13812341234", True)


def test_with_a_mobile_column_the_telephone_column_is_the_households(community, register):
    headers = (*HEADERS, "联系电话")
    content = xlsx_file([person(联系电话="021-64001234"), spouse(手机="13900001111")], headers)
    result = do_import(community, content)

    assert any("全户的联系电话" in notice for notice in result.notices)
    household = Household.objects.get(community=community)
    assert household.phone == "021-64001234"
    assert sorted(household.members.values_list("phone", flat=True)) == [
        "13812341234",
        "13900001111",
    ]


def test_a_title_row_above_the_header_is_skipped_and_row_numbers_are_excels(community, register):
    content = xlsx_file([person(), person(姓名="王1")], title="山鑫阳光城居民花名册")
    check = do_check(community, content)

    assert check.header_row == 2
    assert [(p.row, p.column) for p in check.errors] == [(4, "姓名")]


def test_merged_address_cells_make_one_household(community, register):
    # The address merged down the household's two rows, as committees often keep it.
    content = xlsx_file(
        [person(), {"姓名": "姚萍", "与户主关系": "配偶"}],
        merges=("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3"),
    )
    result = do_import(community, content)

    assert result.households_new == 1
    assert Household.objects.get(community=community).members.count() == 2


def test_rows_of_one_address_need_not_be_next_to_each_other(community, register):
    content = csv_file([person(), person(室号="402", 姓名="李秀英"), spouse()])
    result = do_import(community, content, name="a.csv")
    assert (result.households_new, result.members_new) == (2, 3)


def test_with_one_compound_the_compound_column_may_be_left_out(community):
    only = CompoundFactory(community=community, name="山鑫阳光城")
    headers = ("楼号", "室号", "姓名")
    result = do_import(community, csv_file([person()], headers), name="a.csv")

    assert "唯一的小区" in result.notices[0]
    assert Household.objects.get(community=community).compound == only


def test_without_a_relation_column_the_first_person_is_the_head(community, register):
    headers = ("小区", "楼号", "室号", "姓名")
    content = csv_file([person(), spouse(), person(姓名="郑小明")], headers)
    do_import(community, content, name="a.csv")

    relations = Member.objects.order_by("position").values_list("name", "relation")
    assert list(relations) == [("郑兴友", "head"), ("姚萍", "other"), ("郑小明", "other")]


def test_an_in_service_party_member_keeps_employer_and_title_others_do_not(community, register):
    content = xlsx_file(
        [
            person(是否党员="是", 在职党员="是", 工作单位="石化医院", 职务="护士长"),
            spouse(是否党员="否", 工作单位="石化二小"),
        ]
    )
    result = do_import(community, content)

    head = Member.objects.get(name="郑兴友")
    assert (head.is_in_service_party_member, head.employer, head.job_title) == (
        True,
        "石化医院",
        "护士长",
    )
    assert Member.objects.get(name="姚萍").employer == ""
    assert any("只为在职党员登记" in notice for notice in result.notices)


# Bad rows: reported by row number and column, and nothing is saved


@pytest.mark.parametrize(
    ("fields", "column", "message"),
    [
        ({"姓名": ""}, "姓名", "缺少姓名"),
        ({"姓名": "王2号"}, "姓名", "姓名里不应有数字"),
        ({"手机": "1381234"}, "手机", "手机号应为 11 位"),
        ({"手机": "64001234"}, "手机", "固定电话需带区号"),
        ({"手机": "1.38123E+10"}, "手机", "科学计数法"),
        ({"小区": "不存在小区"}, "小区", "本居民区没有小区“不存在小区”"),
        ({"楼组": "99号楼组"}, "楼组", "本居民区没有楼组“99号楼组”"),
        ({"家庭类型": "独居老人、外星家庭"}, "家庭类型", "本居民区没有家庭类型“外星家庭”"),
        ({"性别": "未知"}, "性别", "性别只填“男”或“女”"),
        ({"出生年份": "1850"}, "出生年份", "出生年份应在 1900 到"),
        ({"出生年份": "2999-01-01"}, "出生年份", "出生年份应在 1900 到"),
        ({"出生年份": "1950-02-30"}, "出生年份", "出生日期无效"),
        ({"出生年份": "五十年代"}, "出生年份", "无法识别"),
        ({"楼号": ""}, "楼号", "缺少楼号"),
        ({"室号": "3楼左"}, "室号", "室号只填数字或字母"),
        ({"是否党员": "也许"}, "是否党员", "是否党员填“是”或“否”"),
        ({"是否党员": "否", "在职党员": "是"}, "在职党员", "在职党员须同时是党员"),
        ({"在职党员": "可能"}, "在职党员", "在职党员填“是”或“否”"),
        ({"楼组": "13号楼组"}, "楼组", "属于山鑫阳光城二期，与所填小区不符"),
        ({"特长": "一项特别特别特别特别特别特别长的特长写了二十多个字"}, "特长", "不超过 20 个字"),
    ],
)
def test_each_kind_of_bad_row_is_named_by_row_and_column_and_nothing_is_saved(
    community, register, fields, column, message
):
    content = xlsx_file([person(室号="101", 姓名="李秀英"), person(**fields)])
    check = do_check(community, content)

    assert [(p.row, p.column) for p in check.errors] == [(3, column)]
    assert message in check.errors[0].message
    with pytest.raises(importing.RosterRejected):
        do_import(community, content)
    assert nothing_saved(community)


def test_a_person_twice_in_one_household_is_an_error(community, register):
    check = do_check(community, xlsx_file([person(), spouse(), person(与户主关系="")]))
    assert [(p.row, p.column) for p in check.errors] == [(4, "姓名")]
    assert "“郑兴友”出现了两次（第 2 行）" in check.errors[0].message


def test_two_heads_in_one_household_is_an_error(community, register):
    check = do_check(community, xlsx_file([person(), spouse(与户主关系="户主")]))
    assert [(p.row, p.column) for p in check.errors] == [(3, "与户主关系")]
    assert "一户只能有一位户主（第 2 行已是户主）" in check.errors[0].message


def test_a_new_head_beside_the_head_on_record_is_an_error(community, register):
    household = HouseholdFactory(
        community=community, compound=register.first, building="5", unit="1", room="302"
    )
    MemberFactory(household=household, name="郑兴友", relation="head")
    check = do_check(community, xlsx_file([spouse(与户主关系="户主")]))
    assert [(p.row, p.column) for p in check.errors] == [(2, "与户主关系")]
    assert "户主是郑兴友" in check.errors[0].message


def test_contradicting_rows_of_a_household_use_the_first_and_warn(community, register):
    headers = (*HEADERS, "家庭电话")
    content = xlsx_file(
        [person(家庭电话="021-64001234"), spouse(楼组="6号楼组", 家庭电话="021-64009999")],
        headers,
    )
    result = do_import(community, content)

    assert not result.errors
    assert [(p.row, p.column) for p in result.warnings] == [(3, "楼组"), (3, "家庭电话")]
    assert "按第 2 行导入" in result.warnings[0].message
    household = Household.objects.get(community=community)
    assert (household.building_group, household.phone) == (register.group5, "021-64001234")


def test_an_unknown_relation_is_imported_as_other_with_a_warning(community, register):
    result = do_import(community, xlsx_file([person(), spouse(与户主关系="表弟")]))
    assert "按“其他”登记" in result.warnings[0].message
    assert Member.objects.get(name="姚萍").relation == "other"


def test_unknown_compounds_and_building_groups_are_listed_and_never_created(
    community, other_community, register
):
    CompoundFactory(community=other_community, name="齐河新村")
    content = xlsx_file(
        [
            person(小区="齐河新村"),
            person(室号="402", 姓名="李秀英", 楼组="88号楼组"),
            person(室号="502", 姓名="王建国", 楼组="88号楼组"),
        ]
    )
    check = do_check(community, content)

    assert check.unknown_compounds == [("齐河新村", 1)]  # another community's is unknown here
    assert check.unknown_building_groups == [("88号楼组", 2)]
    with pytest.raises(importing.RosterRejected):
        do_import(community, content)
    assert Compound.objects.filter(community=community).count() == 2
    assert nothing_saved(community)


def test_one_bad_row_among_many_good_ones_saves_nothing(community, register):
    people = [person(室号=str(100 + n), 姓名=f"居民{'甲乙丙丁戊己庚辛壬癸'[n]}") for n in range(10)]
    people[7]["手机"] = "12345"
    content = csv_file(people, encoding="gbk")

    with pytest.raises(importing.RosterRejected) as rejected:
        do_import(community, content, name="a.csv")
    assert [(p.row, p.column) for p in rejected.value.check.errors] == [(9, "手机")]
    assert nothing_saved(community)


def test_only_good_rows_skips_each_household_with_a_bad_row_whole(community, register):
    content = xlsx_file(
        [
            person(),
            spouse(),
            person(室号="402", 姓名="李秀英"),
            spouse(室号="402", 手机="123"),  # a bad row: its whole household waits
            person(室号="", 姓名="王建国"),  # no address: a row on its own
        ]
    )
    result = do_import(community, content, only_good_rows=True)

    assert result.saved
    assert (result.households_new, result.members_new) == (1, 2)
    assert (result.rows_skipped, result.households_skipped) == (3, 1)
    assert list(Household.objects.values_list("room", flat=True)) == ["302"]
    assert "跳过 3 行（1 户）" in result.summary()


# Importing again


def test_reimporting_the_same_file_changes_nothing(community, register):
    content = xlsx_file(
        [
            person(家庭类型="独居老人", 特长="编织"),
            spouse(),
            person(室号="402", 姓名="李秀英", 与户主关系=""),
        ]
    )
    do_import(community, content)
    households = {h.pk: h.updated_at for h in Household.objects.all()}
    events = AuditEvent.objects.count()

    again = do_import(community, content)

    assert again.summary() == "户：0 新增，0 更新，2 未变；居民：0 新增，0 更新，3 未变"
    assert {h.pk: h.updated_at for h in Household.objects.all()} == households
    assert Member.objects.count() == 3
    assert AuditEvent.objects.count() == events  # not even a no-op update
    community.refresh_from_db()
    assert community.passbook_serial == 2


def test_an_updated_file_updates_matching_households_and_members(community, register):
    do_import(community, xlsx_file([person(), spouse(), person(室号="402", 姓名="李秀英")]))
    first = Household.objects.get(room="302")
    MemberFactory(household=first, name="郑大伟", relation="child", position=2)  # added on a page

    updated = xlsx_file(
        [
            person(手机="13999998888", 楼组="6号楼组", 家庭类型="独居老人", 是否党员="是"),
            spouse(出生年份="1954"),
            person(姓名="郑小明", 与户主关系="孙子女", 性别="男", 出生年份="2012", 手机=""),
        ]
    )
    result = do_import(community, updated)

    assert result.summary() == "户：0 新增，1 更新，0 未变；居民：1 新增，2 更新，0 未变"
    assert result.missing_members == [(f"{first.passbook_number} {first.address}", "郑大伟")]
    first.refresh_from_db()
    assert first.building_group == register.group6
    assert list(first.types.all()) == [register.alone]
    head = first.members.get(name="郑兴友")
    assert (head.phone, head.is_party_member) == ("13999998888", True)
    assert first.members.get(name="姚萍").birth_year == 1954
    grandson = first.members.get(name="郑小明")
    assert (grandson.relation, grandson.position, grandson.name_initials) == (
        "grandchild",
        3,
        "zxm",
    )
    assert first.members.get(name="郑大伟").is_active  # missing from the file: untouched
    assert Household.objects.count() == 2


def test_blank_cells_never_erase_what_is_on_record(community, register):
    household = HouseholdFactory(
        community=community,
        compound=register.first,
        building="5",
        unit="1",
        room="302",
        building_group=register.group5,
        phone="021-64001234",
    )
    MemberFactory(
        household=household, name="郑兴友", phone="13812341234", birth_year=1951, gender="M"
    )
    blank = {key: "" for key in HEADERS if key not in ("小区", "楼号", "单元", "室号", "姓名")}
    result = do_import(community, xlsx_file([person(**blank)]))

    assert result.summary() == "户：0 新增，0 更新，1 未变；居民：0 新增，0 更新，1 未变"
    member = Member.objects.get(name="郑兴友")
    assert (member.phone, member.birth_year, member.gender) == ("13812341234", 1951, "M")
    household.refresh_from_db()
    assert (household.building_group, household.phone) == (register.group5, "021-64001234")


def test_a_member_who_left_and_is_in_the_file_again_is_back_in_the_household(community, register):
    household = HouseholdFactory(
        community=community, compound=register.first, building="5", unit="1", room="302"
    )
    MemberFactory(household=household, name="郑兴友")
    left = MemberFactory(household=household, name="姚萍", relation="spouse", is_active=False)
    result = do_import(community, xlsx_file([person(), spouse()]))

    assert result.members_updated >= 1
    left.refresh_from_db()
    assert left.is_active


def test_a_passbook_number_finds_the_household_even_at_another_address(community, register):
    household = HouseholdFactory(
        community=community,
        passbook_number="SX-00042",
        compound=register.first,
        building="5",
        unit="1",
        room="302",
    )
    MemberFactory(household=household, name="郑兴友")
    headers = ("存折编号", "姓名", "手机")
    result = do_import(
        community,
        csv_file([{"存折编号": "sx42", "姓名": "郑兴友", "手机": "13900001111"}], headers),
        name="a.csv",
    )
    assert result.summary() == "户：0 新增，1 更新，0 未变；居民：0 新增，1 更新，0 未变"
    assert Member.objects.get(name="郑兴友").phone == "13900001111"

    moved = xlsx_file([person(存折编号="SX-00042", 楼号="6", 室号="101")], (*HEADERS, "存折编号"))
    do_import(community, moved)
    household.refresh_from_db()
    assert (household.building, household.room) == ("6", "101")
    assert Household.objects.count() == 1


def test_an_unknown_or_moved_out_passbook_number_is_an_error(community, register):
    gone = HouseholdFactory(
        community=community, passbook_number="SX-00007", compound=register.first
    )
    gone.status, gone.moved_out_on = "moved_out", "2026-01-01"
    gone.save()
    headers = ("存折编号", "姓名")
    content = csv_file(
        [{"存折编号": "SX-00099", "姓名": "郑兴友"}, {"存折编号": "SX-00007", "姓名": "李秀英"}],
        headers,
    )
    check = do_check(community, content, name="a.csv")
    assert [(p.row, p.column) for p in check.errors] == [(2, "存折编号"), (3, "存折编号")]
    assert "没有存折编号为 SX-00099 的户" in check.errors[0].message
    assert "已迁出" in check.errors[1].message


def test_new_households_get_the_next_passbook_numbers(community, register):
    community.passbook_serial = 41
    community.save()
    do_import(community, xlsx_file([person(), person(室号="402", 姓名="李秀英")]))
    numbers = Household.objects.order_by("passbook_number").values_list(
        "passbook_number", flat=True
    )
    assert list(numbers) == ["SX-00042", "SX-00043"]


def test_another_communitys_household_at_the_same_address_is_left_alone(
    community, other_community, register
):
    theirs = CompoundFactory(community=other_community, name="山鑫阳光城一期")
    other = HouseholdFactory(
        community=other_community, compound=theirs, building="5", unit="1", room="302"
    )
    MemberFactory(household=other, name="郑兴友", phone="13700000000")
    result = do_import(community, xlsx_file([person()]))

    assert result.households_new == 1
    assert Member.objects.get(household=other).phone == "13700000000"
    assert Household.objects.filter(community=community).count() == 1


# File limits and unreadable files


def test_a_file_over_five_megabytes_is_refused(community, register):
    with pytest.raises(importing.RosterError, match=r"文件太大（5\.0 MB），最多 5 MB"):
        do_import(community, b"x" * (5 * 1024 * 1024 + 1), name="a.csv")


def test_a_file_over_twenty_thousand_rows_is_refused(community, register):
    people = [person(室号=str(n)) for n in range(20_001)]
    with pytest.raises(importing.RosterError, match="文件超过 20000 行"):
        do_check(community, csv_file(people), name="big.csv")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "a.xls", "旧版 Excel"),
        (b"PK\x03\x04broken", "a.xlsx", "无法打开这个 Excel 文件"),
        (b"not a spreadsheet", "a.xlsx", "内容不是 Excel 文件"),
        ("名字,年龄\n张三,5\n".encode(), "a.csv", "没有找到表头"),
        ("姓名,小区\n张三,山鑫阳光城一期\n".encode(), "a.csv", "表头缺少必需的列：楼号、室号"),
        ("姓名,楼号,室号\n张三,5,302\n".encode(), "a.csv", "表头缺少“小区”列"),
        (b"", "a.csv", "文件是空的"),
        (b"\xff\xfe\xff\xfe\x00\xd8", "a.csv", "无法识别文件的编码"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_message(
    community, register, content, name, message
):
    with pytest.raises(importing.RosterError, match=message):
        do_check(community, content, name=name)


# Set-based writing


def test_writes_are_set_based_the_queries_do_not_grow_with_the_rows(community, register):
    def queries_for(count: int, room_base: int) -> int:
        people = [
            person(
                室号=str(room_base + n // 2), 姓名=f"居民{n:03d}".translate(DIGITS), 与户主关系=""
            )
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            do_import(community, csv_file(people), name="a.csv")
        return len(captured.captured_queries)

    assert queries_for(20, 1000) == queries_for(400, 2000)
    assert Member.objects.count() == 420


DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def test_progress_is_reported_every_thousand_rows(community, register):
    people = [
        person(室号=str(1000 + n), 姓名=f"居民{n:04d}".translate(DIGITS)) for n in range(2500)
    ]
    events = []
    do_import(community, csv_file(people), name="a.csv", progress=events.append)

    seen = [(e.stage, e.done) for e in events]
    assert ("read", 1000) in seen and ("read", 2000) in seen
    assert [e for e in seen if e[0] == "check"] == [
        ("check", 1000),
        ("check", 2000),
        ("check", 2500),
    ]
    assert [e for e in seen if e[0] == "write"] == [
        ("write", 1000),
        ("write", 2000),
        ("write", 2500),
    ]


# The template files


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_template_has_the_headers_and_an_example_that_imports(community, register, file_format):
    if file_format == "xlsx":
        content = importing.template_xlsx(community)
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        assert "填写说明" in workbook.sheetnames and "可选值" in workbook.sheetnames
    else:
        content = importing.template_csv(community)
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == importing.TEMPLATE_HEADERS
    assert rows[1][0] == "山鑫阳光城一期"
    assert len(rows) == 2

    result = do_import(community, content, name=f"模板.{file_format}")
    assert (result.households_new, result.members_new) == (1, 1)


# The command


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_the_command_imports_and_prints_one_summary_line(community, register, tmp_path):
    path = write(tmp_path, "名册.xlsx", xlsx_file([person(), spouse()]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", path, community="shanxin", stdout=out, stderr=err)

    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("已导入 名册.xlsx（山鑫阳光城）：户：1 新增，0 更新，0 未变；")
    assert "用时" in last
    assert Member.objects.filter(community=community).count() == 2


def test_the_command_prints_progress_to_stderr_every_thousand_rows(community, register, tmp_path):
    people = [
        person(室号=str(1000 + n), 姓名=f"居民{n:04d}".translate(DIGITS)) for n in range(2000)
    ]
    path = write(tmp_path, "big.csv", csv_file(people, encoding="gbk"))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_households", path, community="shanxin", stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert "读取文件：已读 1000 行" in lines
    assert "核对：1000 / 2000 行" in lines
    assert "写入：2000 / 2000 行" in lines
    assert "读取" not in out.getvalue()


def test_the_commands_dry_run_saves_nothing(community, register, tmp_path):
    path = write(tmp_path, "名册.csv", csv_file([person(), spouse()]))
    out = io.StringIO()
    call_command(
        "import_households",
        path,
        community="shanxin",
        dry_run=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "试运行，没有保存。导入后将是——户：1 新增" in out.getvalue()
    assert nothing_saved(community)


def test_the_command_lists_problems_and_saves_nothing_on_error(community, register, tmp_path):
    path = write(tmp_path, "名册.xlsx", xlsx_file([person(), spouse(手机="123")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="没有导入任何内容"):
        call_command(
            "import_households", path, community="shanxin", stdout=out, stderr=io.StringIO()
        )
    assert "错误 第 3 行 · 手机：手机号应为 11 位" in out.getvalue()
    assert nothing_saved(community)

    with pytest.raises(CommandError, match="有 1 处错误"):
        call_command(
            "import_households",
            path,
            "--dry-run",
            community="shanxin",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_the_command_can_import_only_the_good_rows(community, register, tmp_path):
    content = xlsx_file([person(), person(室号="402", 姓名="李秀英", 手机="123")])
    path = write(tmp_path, "名册.xlsx", content)
    out = io.StringIO()
    call_command(
        "import_households",
        path,
        "--only-good-rows",
        community="shanxin",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "跳过 1 行（1 户）" in out.getvalue()
    assert list(Household.objects.values_list("room", flat=True)) == ["302"]


def test_the_command_refuses_an_unknown_community_or_file(community, tmp_path):
    with pytest.raises(CommandError, match="没有代号为“nowhere”的居民区"):
        call_command("import_households", "x.csv", community="nowhere")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_households", str(tmp_path / "none.csv"), community="shanxin")
    path = write(tmp_path, "big.csv", b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(CommandError, match="文件太大"):
        call_command("import_households", path, community="shanxin")
