import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    BuildingGroupFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("residents:household_list")


def make_households(community, count):
    group = BuildingGroupFactory(community=community)
    kind = HouseholdTypeFactory(community=community, name="独居老人")
    for _ in range(count):
        household = HouseholdFactory(community=community, building_group=group)
        household.types.add(kind)
        MemberFactory(household=household)
        MemberFactory(household=household, relation="spouse")


def test_it_lists_the_communitys_active_households_with_members(staff_client, community):
    household = HouseholdFactory(community=community, building="5", room="302")
    MemberFactory(household=household, name="郑兴友")
    response = staff_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert household.passbook_number in body
    assert "郑兴友" in body
    assert "5-302" in body


def test_it_never_lists_another_communitys_households(staff_client, other_community):
    household = HouseholdFactory(community=other_community)
    MemberFactory(household=household, name="外区居民")
    for params in ({"q": "外区居民"}, {"q": household.passbook_number}, {"status": "all"}):
        response = staff_client.get(URL, params, HTTP_HX_REQUEST="1", HTTP_HX_TARGET="results")
        assert household.passbook_number not in response.content.decode()
        assert response.context["page"].paginator.count == 0


def test_it_masks_phones_for_staff_and_shows_them_to_admins(
    staff_client, admin_client_of_community, community
):
    HouseholdFactory(community=community, phone="13812345678")
    assert "138****5678" in staff_client.get(URL).content.decode()
    assert "13812345678" not in staff_client.get(URL).content.decode()
    assert "13812345678" in admin_client_of_community.get(URL).content.decode()


def test_it_filters_by_building_group_type_and_status(staff_client, community):
    group = BuildingGroupFactory(community=community, name="7号楼组")
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    in_group = HouseholdFactory(community=community, building_group=group)
    typed = HouseholdFactory(community=community)
    typed.types.add(alone)
    gone = HouseholdFactory(community=community, status="moved_out", moved_out_on="2026-01-05")

    def listed(**params):
        return set(staff_client.get(URL, params).context["page"].object_list)

    assert listed(building_group=group.pk) == {in_group}
    assert listed(type=alone.pk) == {typed}
    assert listed() == {in_group, typed}
    assert listed(status="moved_out") == {gone}
    assert listed(status="all") == {in_group, typed, gone}


def test_it_returns_only_the_results_for_search_as_you_type(staff_client, community):
    HouseholdFactory(community=community)
    response = staff_client.get(URL, {"q": ""}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    body = response.content.decode()
    assert "<table" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_it_paginates(staff_client, community):
    make_households(community, 30)
    first = staff_client.get(URL)
    assert len(first.context["page"].object_list) == 25
    second = staff_client.get(URL, {"page": 2})
    assert len(second.context["page"].object_list) == 5


def test_its_query_count_does_not_grow_with_the_page(staff_client, community):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(URL)
        assert response.status_code == 200
        return len(captured)

    make_households(community, 3)
    small = queries_for_list()
    make_households(community, 22)
    full = queries_for_list()
    assert full == small
    # session, user, memberships, 3 filter menus, count, page, types, members
    assert full <= 10


def test_it_redirects_anonymous_visitors_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_is_forbidden_to_the_counter_role(counter_client):
    assert counter_client.get(URL).status_code == 403


def test_it_rejects_post(staff_client):
    assert staff_client.post(URL).status_code == 405


def test_it_orders_buildings_and_rooms_naturally(staff_client, community):
    compound = HouseholdFactory(community=community, building="10", room="101").compound
    HouseholdFactory(community=community, compound=compound, building="2", room="1201")
    HouseholdFactory(community=community, compound=compound, building="2", room="302")
    listed = [h.short_address for h in staff_client.get(URL).context["page"].object_list]
    assert listed == ["2-302", "2-1201", "10-101"]
