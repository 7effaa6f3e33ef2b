"""Community settings: compounds, building groups and household types (admins only)."""

import pytest
from django.urls import reverse

from residents.models import BuildingGroup, Compound, HouseholdType
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db
SETTINGS = reverse("residents:settings")


def create_url(kind):
    return reverse("residents:setting_create", args=[kind])


def edit_url(kind, pk):
    return reverse("residents:setting_edit", args=[kind, pk])


def test_settings_page_lists_the_communitys_items_with_household_counts(
    admin_client_of_community, community, other_community
):
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    HouseholdFactory(community=community, compound=compound)
    CompoundFactory(community=other_community, name="齐河新村")
    response = admin_client_of_community.get(SETTINGS)
    assert response.status_code == 200
    body = response.content.decode()
    assert "山鑫阳光城一期" in body and "齐河新村" not in body
    assert response.context["compounds"].get(pk=compound.pk).household_count == 1


def test_settings_are_for_admins_only(staff_client, counter_client):
    assert staff_client.get(SETTINGS).status_code == 403
    assert counter_client.get(SETTINGS).status_code == 403
    response = staff_client.post(create_url("compound"), {"compound-name": "新小区"})
    assert response.status_code == 403
    assert not Compound.objects.exists()


def test_admin_adds_a_compound_a_building_group_and_a_household_type(
    admin_client_of_community, community
):
    client = admin_client_of_community
    assert (
        client.post(create_url("compound"), {"compound-name": " 山鑫阳光城二期 "}).status_code
        == 302
    )
    compound = Compound.objects.get(community=community)
    assert compound.name == "山鑫阳光城二期"
    response = client.post(
        create_url("building-group"),
        {"building-group-name": "12号楼组", "building-group-compound": compound.pk},
    )
    assert response.status_code == 302
    assert BuildingGroup.objects.get(community=community).compound == compound
    response = client.post(
        create_url("household-type"),
        {"household-type-name": "重点关爱", "household-type-position": "9"},
    )
    assert response.status_code == 302
    assert HouseholdType.objects.get(community=community, name="重点关爱").position == 9


def test_a_duplicate_name_is_refused_with_a_message_and_nothing_saved(
    admin_client_of_community, community
):
    CompoundFactory(community=community, name="山鑫阳光城一期")
    response = admin_client_of_community.post(
        create_url("compound"), {"compound-name": "山鑫阳光城一期"}
    )
    assert response.status_code == 400
    assert "本居民区已有“山鑫阳光城一期”" in response.content.decode()
    assert Compound.objects.count() == 1


def test_the_same_name_is_fine_in_another_community(admin_client_of_community, other_community):
    CompoundFactory(community=other_community, name="一期")
    response = admin_client_of_community.post(create_url("compound"), {"compound-name": "一期"})
    assert response.status_code == 302
    assert Compound.objects.filter(name="一期").count() == 2


def test_an_unknown_kind_is_404(admin_client_of_community):
    assert admin_client_of_community.post(create_url("nonsense"), {}).status_code == 404


def test_create_rejects_get(admin_client_of_community):
    assert admin_client_of_community.get(create_url("compound")).status_code == 405


def test_admin_renames_a_household_type(admin_client_of_community, community):
    kind = HouseholdTypeFactory(community=community, name="困难家庭")
    response = admin_client_of_community.post(
        edit_url("household-type", kind.pk), {"name": "低保家庭", "position": "3"}
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.name == "低保家庭"


def test_the_leader_is_chosen_among_residents_of_the_group(admin_client_of_community, community):
    group = BuildingGroupFactory(community=community, name="5号楼组")
    resident = MemberFactory(household=HouseholdFactory(community=community, building_group=group))
    outsider = MemberFactory(household=HouseholdFactory(community=community))
    url = edit_url("building-group", group.pk)
    page = admin_client_of_community.get(url)
    assert resident.name in page.content.decode()

    refused = admin_client_of_community.post(
        url, {"name": "5号楼组", "compound": group.compound_id, "leader": outsider.pk}
    )
    assert refused.status_code == 400
    group.refresh_from_db()
    assert group.leader is None

    accepted = admin_client_of_community.post(
        url, {"name": "5号楼组", "compound": group.compound_id, "leader": resident.pk}
    )
    assert accepted.status_code == 302
    group.refresh_from_db()
    assert group.leader == resident


@pytest.mark.parametrize("kind", ["compound", "building-group", "household-type"])
def test_editing_another_communitys_item_is_404(admin_client_of_community, other_community, kind):
    item = {
        "compound": CompoundFactory,
        "building-group": BuildingGroupFactory,
        "household-type": HouseholdTypeFactory,
    }[kind](community=other_community)
    url = edit_url(kind, item.pk)
    assert admin_client_of_community.get(url).status_code == 404
    assert admin_client_of_community.post(url, {"name": "改名"}).status_code == 404
    item.refresh_from_db()
    assert item.name != "改名"


def test_building_groups_are_listed_in_natural_order(admin_client_of_community, community):
    compound = CompoundFactory(community=community)
    for name in ("10号楼组", "2号楼组", "1号楼组"):
        BuildingGroupFactory(community=community, compound=compound, name=name)
    groups = admin_client_of_community.get(SETTINGS).context["building_groups"]
    assert [g.name for g in groups] == ["1号楼组", "2号楼组", "10号楼组"]
