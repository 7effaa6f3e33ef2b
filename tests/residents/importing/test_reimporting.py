"""Importing again: the same file changes nothing, an updated file updates the matching
households and members, a passbook number finds its household; new households get the
next numbers."""

from __future__ import annotations

import pytest

from residents.importing import ImportChoices
from residents.models import AuditEvent, Household, Member
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
    person,
    spouse,
    xlsx_file,
)

pytestmark = pytest.mark.django_db


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
    result = do_import(community, updated, choices=ImportChoices(replace_phones=True))

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
    MemberFactory(household=household, name="郑兴友", phone="")
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
