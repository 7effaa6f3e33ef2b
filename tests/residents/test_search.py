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
