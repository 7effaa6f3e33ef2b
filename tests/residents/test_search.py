import pytest

from residents.models import Household
from residents.selectors import search_households
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(community):
    a = HouseholdFactory(
        community=community,
        building="5",
        room="302",
        phone="13900005678",
        passbook_number="SX-00123",
    )
    MemberFactory(household=a, name="郑兴友", phone="13611112222")
    b = HouseholdFactory(
        community=community,
        building="5",
        unit="2",
        room="301",
        phone="021-64001234",
        passbook_number="SX-00124",
    )
    MemberFactory(household=b, name="李秀英", phone="")
    c = HouseholdFactory(
        community=community, building="12", room="302", phone="", passbook_number="SX-00125"
    )
    MemberFactory(household=c, name="王兴华", phone="")
    return a, b, c


def found(community, query):
    return set(search_households(Household.objects.filter(community=community), query))


def test_search_by_part_of_a_name(community, households):
    a, b, c = households
    assert found(community, "兴") == {a, c}
    assert found(community, "郑兴友") == {a}


def test_search_by_the_last_four_digits_of_a_household_or_member_phone(community, households):
    a, b, c = households
    assert found(community, "5678") == {a}
    assert found(community, "2222") == {a}
    assert found(community, "1234") == {b}


def test_search_by_building_and_room(community, households):
    a, b, c = households
    assert found(community, "5-302") == {a}
    assert found(community, "5号302室") == {a}
    assert found(community, "５－３０２") == {a}
    assert found(community, "5-2-301") == {b}
    assert found(community, "302") == {a, c}


def test_search_by_passbook_number_with_or_without_dash_and_zeros(community, households):
    a, b, c = households
    assert found(community, "SX-00124") == {b}
    assert found(community, "sx124") == {b}
    assert found(community, "00125") == {c}


def test_an_empty_query_finds_everything(community, households):
    assert found(community, "  ") == set(households)


def people(community, query):
    from residents.models import Member
    from residents.selectors import search_members

    return search_members(Member.objects.filter(community=community), query)


def test_residents_are_found_by_pinyin_initials_full_pinyin_and_surname_readings(
    community, households
):
    a, b, c = households
    zheng = a.members.get()
    zeng = MemberFactory(household=c, name="曾秀英", relation="spouse")
    assert people(community, "zxy") == [zheng, zeng]  # 曾 as a surname reads zēng
    assert people(community, "ZHENGXY") == []
    assert people(community, "zhengxingyou") == [zheng]
    assert people(community, "lxy") == [b.members.get()]


def test_residents_are_found_by_room_passbook_number_and_phone_tail(community, households):
    a, b, c = households
    assert people(community, "5-302") == list(a.members.all())
    assert people(community, "SX-00124") == list(b.members.all())
    assert people(community, "2222") == list(a.members.all())


def test_moved_out_households_and_departed_members_are_not_offered(community, households):
    a, b, c = households
    b.status, b.moved_out_on = "moved_out", "2026-01-01"
    b.save()
    MemberFactory(household=a, name="郑小明", relation="child", is_active=False)
    assert people(community, "lxy") == []
    assert people(community, "郑小明") == []


def test_a_renamed_member_gets_new_pinyin(community, households):
    member = households[0].members.get()
    member.name = "王建国"
    member.save(update_fields=["name"])
    member.refresh_from_db()
    assert (member.name_pinyin, member.name_initials) == ("wangjianguo", "wjg")


def test_residents_found_come_in_natural_building_and_room_order(community):
    ten = HouseholdFactory(community=community, building="10", room="101")
    seven_high = HouseholdFactory(
        community=community, compound=ten.compound, building="7", room="1201"
    )
    seven_low = HouseholdFactory(
        community=community, compound=ten.compound, building="7", room="302"
    )
    for household in (ten, seven_high, seven_low):
        MemberFactory(household=household, name="张建国")

    found_in = [member.household for member in people(community, "zhang")]

    assert found_in == [seven_low, seven_high, ten]
