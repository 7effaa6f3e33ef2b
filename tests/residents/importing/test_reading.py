"""Reading the roster: .xlsx and .csv (UTF-8 with or without BOM, GBK, tabs or semicolons),
headers matched flexibly, title rows and merged cells, rows of one address together; files
too large or unreadable refused with a clear message."""

from __future__ import annotations

import pytest

from residents import importing
from residents.models import Household, Member
from tests.factories import (
    CompoundFactory,
)
from tests.residents.importing.roster import (
    HEADERS,
    csv_file,
    do_check,
    do_import,
    person,
    spouse,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


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
