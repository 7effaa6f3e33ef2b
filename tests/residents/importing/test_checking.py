"""Checking every row before anything is written: each problem named by row and column,
nothing saved on an error unless only the good households are asked for."""

from __future__ import annotations

import pytest

from residents import importing
from residents.models import Compound, Household, Member
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
)
from tests.residents.importing.roster import (
    HEADERS,
    csv_file,
    do_check,
    do_import,
    nothing_saved,
    person,
    spouse,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


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
