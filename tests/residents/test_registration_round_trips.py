"""Item 8 of issue 17: registering a household takes one trip. The second member's relation
is asked for (not 户主 by default); the 楼组 is filled when the building's households are all
in one group, and the page says so; a taken address links to the household found; the
help text speaks only of boxes the form has."""

import re

import pytest
from django.urls import reverse

from residents.models import Household
from tests.factories import BuildingGroupFactory, CompoundFactory, HouseholdFactory, MemberFactory
from tests.residents.test_household_pages import member_rows, new_household_data

pytestmark = pytest.mark.django_db
URL = reverse("residents:household_create")


def _selected_relation(html: str, index: str) -> str:
    select = re.search(rf'<select name="members-{index}-relation"[^>]*>(.*?)</select>', html, re.S)
    assert select, index
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select[1])
    return chosen[1] if chosen else ""


def test_only_the_first_member_defaults_to_head_of_household(staff_client, community):
    CompoundFactory(community=community)
    html = staff_client.get(URL).content.decode()
    assert _selected_relation(html, "0") == "head"
    # The copy "再加一位成员" adds asks for the relation: no 户主 chosen in advance.
    assert _selected_relation(html, "__prefix__") == ""
    assert "请选择" in html


def test_a_member_added_on_editing_does_not_default_to_head(staff_client, community):
    household = HouseholdFactory(community=community)
    MemberFactory(household=household, community=community, relation="head")
    html = staff_client.get(reverse("residents:household_edit", args=[household.pk])).content
    assert _selected_relation(html.decode(), "1") == ""


def test_a_second_member_without_a_relation_is_asked_for_one(staff_client, community):
    compound = CompoundFactory(community=community)
    response = staff_client.post(URL, new_household_data(compound, **{"members-1-relation": ""}))
    assert response.status_code == 400
    assert "请选择与户主关系" in response.content.decode()
    assert not Household.objects.exists()


def test_two_people_register_in_one_trip_when_the_second_relation_is_chosen(
    staff_client, community
):
    compound = CompoundFactory(community=community)
    response = staff_client.post(URL, new_household_data(compound))
    assert response.status_code == 302
    assert Household.objects.get().members.count() == 2


def test_the_building_group_is_filled_when_the_building_has_one_and_the_page_says_so(
    staff_client, community
):
    compound = CompoundFactory(community=community)
    group = BuildingGroupFactory(community=community, compound=compound, name="5号楼组")
    HouseholdFactory(community=community, compound=compound, building="5", building_group=group)
    HouseholdFactory(community=community, compound=compound, building="5", building_group=group)
    response = staff_client.post(URL, new_household_data(compound, building="5"), follow=True)
    household = Household.objects.get(room="302")
    assert household.building_group == group
    assert "楼组已自动填为“5号楼组”" in response.content.decode()


def test_the_building_group_stays_empty_when_the_building_has_two(staff_client, community):
    compound = CompoundFactory(community=community)
    for name in ("5号楼组", "5号楼东组"):
        group = BuildingGroupFactory(community=community, compound=compound, name=name)
        HouseholdFactory(community=community, compound=compound, building="5", building_group=group)
    response = staff_client.post(URL, new_household_data(compound, building="5"), follow=True)
    assert Household.objects.get(room="302").building_group is None
    assert "自动填" not in response.content.decode().split("不填时")[0]


def test_a_taken_address_links_to_the_household_found(staff_client, community):
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    there = HouseholdFactory(community=community, compound=compound, building="5", room="302")
    response = staff_client.post(URL, new_household_data(compound))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'href="{there.get_absolute_url()}"' in html
    assert there.passbook_number in html


def test_the_registration_form_mentions_no_move_out_box_it_does_not_have(staff_client, community):
    CompoundFactory(community=community)
    html = staff_client.get(URL).content.decode()
    assert "移出本户" not in html


def test_the_edit_form_explains_the_move_out_box_it_has(staff_client, community):
    household = HouseholdFactory(community=community)
    MemberFactory(household=household, community=community)
    html = staff_client.get(reverse("residents:household_edit", args=[household.pk])).content
    assert html.decode().count("移出本户") >= 2  # the box and the sentence explaining it


def test_member_rows_helper_still_builds_a_one_member_household(staff_client, community):
    compound = CompoundFactory(community=community)
    data = new_household_data(compound)
    data.update(member_rows({"name": "王芳", "relation": "head"}))
    for key in [k for k in data if k.startswith("members-1-")]:
        del data[key]
    assert staff_client.post(URL, data).status_code == 302
