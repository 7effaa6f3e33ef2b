"""Item 14 of issue 17: a committee starting out (no compounds, building groups or household
types yet) imports its roster in one go: the preview lists each name the register lacks
with its row count (so typos stand out), and an admin creates them all in the same
confirmation; the command does the same with --create-missing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from residents import importing
from residents.importing import ImportChoices
from residents.models import BuildingGroup, Compound, Household, HouseholdType, ImportUpload
from tests.residents.importing.roster import do_check, do_import, person, spouse, write, xlsx_file

pytestmark = pytest.mark.django_db

CREATE = ImportChoices(create_missing=True)


def first_roster(*extra):
    return xlsx_file(
        [
            person(小区="山鑫阳光城", 楼组="5", 家庭类型="普通"),
            spouse(小区="山鑫阳光城", 楼组="5", 家庭类型="普通"),
            person(小区="山鑫阳光城", 室号="402", 姓名="李秀英", 楼组="5", 家庭类型="独居老人"),
            *extra,
        ]
    )


def test_without_being_asked_nothing_is_created_and_every_row_is_refused(community):
    with pytest.raises(importing.RosterRejected):
        do_import(community, first_roster())
    assert not Compound.objects.exists() and not Household.objects.exists()


def test_the_check_lists_each_missing_name_with_its_row_count_so_typos_stand_out(community):
    typo = person(小区="山鑫阳光成", 室号="501", 姓名="王建国", 楼组="5", 家庭类型="普通")
    check = do_check(community, first_roster(typo))
    assert check.unknown_compounds == [("山鑫阳光城", 3), ("山鑫阳光成", 1)]
    assert check.unknown_household_types == [("普通", 3), ("独居老人", 1)]
    assert check.unknown_building_groups == [("5", 4)]
    assert check.errors_unless_created == 0


def test_asked_to_the_missing_names_are_created_and_every_row_imported(community):
    result = do_import(community, first_roster(), choices=CREATE)

    assert result.created == [
        ("小区", "山鑫阳光城"),
        ("楼组", "5号楼组"),
        ("家庭类型", "普通"),
        ("家庭类型", "独居老人"),
    ]
    compound = Compound.objects.get(community=community)
    group = BuildingGroup.objects.get(community=community)
    assert (group.name, group.compound) == ("5号楼组", compound)
    assert Household.objects.filter(community=community, building_group=group).count() == 2
    assert result.summary().startswith("户：2 新增")
    alone = HouseholdType.objects.get(name="独居老人")
    assert list(alone.households.values_list("room", flat=True)) == ["402"]


def test_names_created_for_an_import_that_fails_are_not_kept(community):
    bad_phone = spouse(小区="山鑫阳光城", 室号="402", 姓名="周敏", 手机="12345")
    with pytest.raises(importing.RosterRejected):
        do_import(community, first_roster(bad_phone), choices=CREATE)
    assert not Compound.objects.exists() and not HouseholdType.objects.exists()


# The pages


def _upload(client, community, content) -> ImportUpload:
    return ImportUpload.objects.create(
        community=community, user=client.user, file_name="花名册.xlsx", content=content
    )


def test_an_admin_creates_the_missing_names_and_imports_in_one_confirmation(
    admin_client_of_community, community
):
    client = admin_client_of_community
    upload = _upload(client, community, first_roster())
    html = client.get(reverse("residents:import_preview", args=[upload.pk])).content.decode()
    assert 'name="create_missing"' in html
    assert "新建上面列出的 4 个名称" in html

    response = client.post(
        reverse("residents:import_confirm", args=[upload.pk]), {"create_missing": "on"}
    )
    body = b"".join(response.streaming_content).decode()
    assert "已新建 4 个名称" in body
    assert Household.objects.filter(community=community).count() == 2


def test_staff_are_not_offered_to_create_names_and_cannot(staff_client, community):
    upload = _upload(staff_client, community, first_roster())
    html = staff_client.get(reverse("residents:import_preview", args=[upload.pk])).content
    assert b'name="create_missing"' not in html
    refused = staff_client.post(
        reverse("residents:import_confirm", args=[upload.pk]), {"create_missing": "on"}
    )
    assert refused.status_code == 400
    assert not Compound.objects.exists()


# The command


def test_the_command_creates_the_missing_names_with_create_missing(community, tmp_path):
    path = write(tmp_path, "花名册.xlsx", first_roster())
    with pytest.raises(CommandError):
        call_command("import_households", path, community="shanxin", stdout=io.StringIO())
    assert not Compound.objects.exists()

    out = io.StringIO()
    call_command(
        "import_households",
        path,
        community="shanxin",
        create_missing=True,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "已新建 4 个名称：小区“山鑫阳光城”、楼组“5号楼组”" in out.getvalue()
    assert Household.objects.filter(community=community).count() == 2
