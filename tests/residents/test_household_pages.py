"""Detail, create, edit, move-out and move-in of households."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import Household, Member
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
)

pytestmark = pytest.mark.django_db


def member_rows(*rows, initial=0):
    data = {
        "members-TOTAL_FORMS": str(len(rows)),
        "members-INITIAL_FORMS": str(initial),
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"members-{index}-{key}"] = value
    return data


def new_household_data(compound, **overrides):
    data = {
        "compound": compound.pk,
        "building": "5",
        "unit": "",
        "room": "302",
        "phone": "138 1234 5678",
        "notes": "",
        **member_rows(
            {
                "name": "郑兴友",
                "relation": "head",
                "gender": "M",
                "birth_year": "1948",
                "phone": "",
                "specialties": "电脑、理发",
                "is_party_member": "on",
            },
            {
                "name": "李秀英",
                "relation": "spouse",
                "gender": "F",
                "birth_year": "1950",
                "phone": "13611112222",
                "specialties": "",
            },
        ),
    }
    data.update(overrides)
    return data


# Detail


def test_detail_shows_the_household_and_its_members(staff_client, community):
    household = HouseholdFactory(community=community)
    MemberFactory(household=household, name="郑兴友", specialties=["量血压"])
    response = staff_client.get(household.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "郑兴友" in body and "量血压" in body and household.passbook_number in body


def test_detail_of_another_communitys_household_is_404(staff_client, other_community):
    household = HouseholdFactory(community=other_community)
    assert staff_client.get(household.get_absolute_url()).status_code == 404


def test_detail_shows_dates_in_chinese(staff_client, community):
    household = HouseholdFactory(
        community=community, status="moved_out", moved_out_on=datetime.date(2026, 11, 21)
    )
    assert "2026年11月21日" in staff_client.get(household.get_absolute_url()).content.decode()


# Create


def test_create_registers_household_members_and_passbook_number(staff_client, community):
    compound = CompoundFactory(community=community)
    group = BuildingGroupFactory(community=community, compound=compound)
    alone = HouseholdTypeFactory(community=community, name="纯老家庭")
    data = new_household_data(
        compound, building="５号", room="302室", building_group=group.pk, types=[alone.pk]
    )
    response = staff_client.post(reverse("residents:household_create"), data)
    household = Household.objects.get(community=community)
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert household.passbook_number == "SX-00001"
    assert (household.building, household.room, household.phone) == ("5", "302", "13812345678")
    assert household.building_group == group
    assert list(household.types.all()) == [alone]
    head, spouse = household.members.order_by("position")
    assert head.name == "郑兴友" and head.is_party_member and head.specialties == ["电脑", "理发"]
    assert spouse.phone == "13611112222" and spouse.community == community


def test_create_numbers_passbooks_in_sequence(staff_client, community):
    compound = CompoundFactory(community=community)
    url = reverse("residents:household_create")
    staff_client.post(url, new_household_data(compound, room="301"))
    staff_client.post(url, new_household_data(compound, room="302"))
    numbers = sorted(Household.objects.values_list("passbook_number", flat=True))
    assert numbers == ["SX-00001", "SX-00002"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"phone": "1381234567"}, "11 位"),
        ({"room": "  "}, "请填写室号"),
        ({"members-1-birth_year": "1850"}, "1900"),
        ({"members-1-relation": "head"}, "只能有一位户主"),
        ({"members-1-is_in_service_party_member": "on"}, "在职党员须同时勾选"),
        ({"members-0-name": ""}, "请填写姓名"),
    ],
)
def test_create_with_bad_input_rerenders_with_a_message_and_saves_nothing(
    staff_client, community, override, message
):
    compound = CompoundFactory(community=community)
    response = staff_client.post(
        reverse("residents:household_create"), new_household_data(compound, **override)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Household.objects.exists()
    assert not Member.objects.exists()


def test_create_refuses_an_address_that_already_has_a_household(staff_client, community):
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    HouseholdFactory(community=community, compound=compound, building="5", room="302")
    response = staff_client.post(
        reverse("residents:household_create"), new_household_data(compound)
    )
    assert response.status_code == 400
    assert "山鑫阳光城一期5号302室 已有在册的户" in response.content.decode()
    assert Household.objects.count() == 1
    assert not Member.objects.filter(name="李秀英").exists()


def test_create_allows_an_address_whose_household_moved_out(staff_client, community):
    compound = CompoundFactory(community=community)
    HouseholdFactory(
        community=community,
        compound=compound,
        building="5",
        room="302",
        status="moved_out",
        moved_out_on=datetime.date(2025, 3, 1),
    )
    response = staff_client.post(
        reverse("residents:household_create"), new_household_data(compound)
    )
    assert response.status_code == 302
    assert Household.objects.filter(status="active").count() == 1


def test_create_refuses_another_communitys_compound(staff_client, other_community):
    foreign = CompoundFactory(community=other_community)
    response = staff_client.post(reverse("residents:household_create"), new_household_data(foreign))
    assert response.status_code == 400
    assert not Household.objects.exists()


def test_create_needs_at_least_one_member(staff_client, community):
    compound = CompoundFactory(community=community)
    data = {k: v for k, v in new_household_data(compound).items() if not k.startswith("members")}
    data.update(member_rows({"name": "", "relation": "head"}))
    response = staff_client.post(reverse("residents:household_create"), data)
    assert response.status_code == 400
    assert "至少登记一位居民" in response.content.decode()
    assert not Household.objects.exists()


def test_create_page_renders_for_get_and_is_forbidden_to_counter(staff_client, counter_client):
    assert staff_client.get(reverse("residents:household_create")).status_code == 200
    assert counter_client.get(reverse("residents:household_create")).status_code == 403


# Edit


def edit_data(household, members, **overrides):
    rows = []
    for member in members:
        rows.append(
            {
                "id": str(member.pk),
                "name": member.name,
                "relation": member.relation,
                "gender": member.gender,
                "birth_year": str(member.birth_year or ""),
                "phone": member.phone,
                "specialties": "、".join(member.specialties),
            }
        )
    data = {
        "compound": household.compound_id,
        "building": household.building,
        "unit": household.unit,
        "room": household.room,
        "phone": household.phone,
        "notes": household.notes,
        **member_rows(*rows, initial=len(rows)),
    }
    data.update(overrides)
    return data


def test_edit_updates_the_household_and_marks_removed_members_as_gone(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household, name="郑兴友")
    son = MemberFactory(household=household, name="郑小明", relation="child")
    data = edit_data(household, [head, son], notes="子女在外地", **{"members-1-DELETE": "on"})
    response = staff_client.post(reverse("residents:household_edit", args=[household.pk]), data)
    assert response.status_code == 302
    household.refresh_from_db()
    son.refresh_from_db()
    assert household.notes == "子女在外地"
    assert son.is_active is False  # kept on record, no longer in the household
    assert Member.objects.count() == 2


def test_edit_with_bad_input_changes_nothing(staff_client, community):
    household = HouseholdFactory(community=community, notes="原备注")
    head = MemberFactory(household=household, name="郑兴友")
    data = edit_data(household, [head], notes="新备注", phone="123")
    response = staff_client.post(reverse("residents:household_edit", args=[household.pk]), data)
    assert response.status_code == 400
    household.refresh_from_db()
    assert household.notes == "原备注"


def test_edit_of_another_communitys_household_is_404(staff_client, other_community):
    household = HouseholdFactory(community=other_community)
    head = MemberFactory(household=household)
    url = reverse("residents:household_edit", args=[household.pk])
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, edit_data(household, [head], notes="x")).status_code == 404
    household.refresh_from_db()
    assert household.notes == ""


def test_edit_cannot_take_over_another_households_member(staff_client, community):
    household = HouseholdFactory(community=community)
    head = MemberFactory(household=household)
    stranger = MemberFactory(household=HouseholdFactory(community=community), name="外户居民")
    data = edit_data(household, [head])
    data.update(
        member_rows(
            {"id": str(head.pk), "name": head.name, "relation": "head"},
            {"id": str(stranger.pk), "name": "改名", "relation": "child"},
            initial=2,
        )
    )
    staff_client.post(reverse("residents:household_edit", args=[household.pk]), data)
    stranger.refresh_from_db()
    assert stranger.name == "外户居民" and stranger.household_id != household.pk


# Move out and back in


def test_move_out_keeps_the_household_as_moved_out(staff_client, community):
    household = HouseholdFactory(community=community)
    response = staff_client.post(
        reverse("residents:household_move_out", args=[household.pk]),
        {"moved_out_on": "2026-11-20"},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.status == "moved_out"
    assert household.moved_out_on == datetime.date(2026, 11, 20)


def test_move_out_refuses_a_future_date_and_changes_nothing(staff_client, community):
    household = HouseholdFactory(community=community)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(
        reverse("residents:household_move_out", args=[household.pk]),
        {"moved_out_on": tomorrow.isoformat()},
        follow=True,
    )
    assert "迁出日期不能晚于今天" in response.content.decode()
    household.refresh_from_db()
    assert household.status == "active"


def test_move_out_rejects_get(staff_client, community):
    household = HouseholdFactory(community=community)
    url = reverse("residents:household_move_out", args=[household.pk])
    assert staff_client.get(url).status_code == 405


def test_move_out_of_another_communitys_household_is_404(staff_client, other_community):
    household = HouseholdFactory(community=other_community)
    url = reverse("residents:household_move_out", args=[household.pk])
    assert staff_client.post(url, {"moved_out_on": "2026-11-20"}).status_code == 404
    household.refresh_from_db()
    assert household.status == "active"


def test_move_in_restores_a_moved_out_household(staff_client, community):
    household = HouseholdFactory(
        community=community, status="moved_out", moved_out_on=datetime.date(2026, 1, 1)
    )
    staff_client.post(reverse("residents:household_move_in", args=[household.pk]))
    household.refresh_from_db()
    assert household.status == "active" and household.moved_out_on is None


def test_move_in_is_refused_when_someone_else_lives_there_now(staff_client, community):
    old = HouseholdFactory(
        community=community,
        building="5",
        room="302",
        status="moved_out",
        moved_out_on=datetime.date(2026, 1, 1),
    )
    HouseholdFactory(community=community, compound=old.compound, building="5", room="302")
    response = staff_client.post(reverse("residents:household_move_in", args=[old.pk]), follow=True)
    assert "已有在册的户" in response.content.decode()
    old.refresh_from_db()
    assert old.status == "moved_out"


def test_move_in_of_another_communitys_household_is_404(staff_client, other_community):
    household = HouseholdFactory(
        community=other_community, status="moved_out", moved_out_on=datetime.date(2026, 1, 1)
    )
    url = reverse("residents:household_move_in", args=[household.pk])
    assert staff_client.post(url).status_code == 404
    assert staff_client.get(url).status_code == 405
