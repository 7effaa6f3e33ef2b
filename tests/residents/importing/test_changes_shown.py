"""Item 5 of issue 17: an import shows, per household and member, each field it changes
(old → new), on the preview, on the result page and from the command; a phone number on
record is never replaced unless an admin agrees to that change, or to all of them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from residents.importing import ImportChoices
from residents.models import Household, ImportUpload, Member
from tests.residents.importing.roster import do_check, do_import, person, spouse, write, xlsx_file

pytestmark = pytest.mark.django_db

OLD = xlsx_file([person(姓名="郑兴友", 手机="15967037556"), spouse(手机="13611112222")])
# An older roster: 郑兴友's mobile as it was years ago, 姚萍's too, and her birth year fixed.
OLDER = xlsx_file(
    [person(姓名="郑兴友", 手机="15900007556"), spouse(手机="13600000000", 出生年份="1954")]
)


@pytest.fixture
def on_record(community, register):
    do_import(community, OLD)
    return Household.objects.get(community=community)


def phones() -> dict[str, str]:
    return dict(Member.objects.values_list("name", "phone"))


def test_a_reimport_never_replaces_a_phone_on_record_by_itself(community, on_record):
    result = do_import(community, OLDER)

    assert phones() == {"郑兴友": "15967037556", "姚萍": "13611112222"}
    assert Member.objects.get(name="姚萍").birth_year == 1954  # other fields do change
    held = [(whose, c.old, c.new) for _plan, whose, c in result.held_phones]
    assert held == [
        ("郑兴友", "15967037556", "15900007556"),
        ("姚萍", "13611112222", "13600000000"),
    ]
    assert result.members_updated == 1  # 姚萍's birth year; 郑兴友 unchanged


def test_agreeing_to_one_phone_change_replaces_that_one_only(community, on_record):
    zheng = Member.objects.get(name="郑兴友")
    do_import(community, OLDER, choices=ImportChoices(phones=frozenset({f"member-{zheng.pk}"})))
    assert phones() == {"郑兴友": "15900007556", "姚萍": "13611112222"}


def test_agreeing_to_all_replaces_every_phone(community, on_record):
    do_import(community, OLDER, choices=ImportChoices(replace_phones=True))
    assert phones() == {"郑兴友": "15900007556", "姚萍": "13600000000"}


def test_an_empty_phone_on_record_is_filled_without_asking(community, on_record):
    Member.objects.filter(name="姚萍").update(phone="")
    result = do_import(community, OLDER)
    assert phones()["姚萍"] == "13600000000"
    assert [whose for _plan, whose, _c in result.held_phones] == ["郑兴友"]


def test_the_check_lists_each_changed_field_old_to_new_per_household_and_member(
    community, on_record
):
    rows = [person(楼组="6号楼组", 手机="15967037556"), spouse(出生年份="1954", 手机="")]
    check = do_check(community, xlsx_file(rows))
    (plan,) = check.changed_plans
    assert [(c.label, c.old, c.new) for c in plan.changes] == [("楼组", "5号楼组", "6号楼组")]
    (member,) = plan.member_changes
    assert member.name == "姚萍"
    assert [(c.label, c.old, c.new) for c in member.changes] == [("出生年份", "1953", "1954")]


# The pages


def _upload(client, community, content) -> ImportUpload:
    return ImportUpload.objects.create(
        community=community, user=client.user, file_name="旧名册.xlsx", content=content
    )


def test_the_preview_shows_each_change_and_a_box_to_agree_to_each_phone(
    admin_client_of_community, community, on_record
):
    upload = _upload(admin_client_of_community, community, OLDER)
    html = admin_client_of_community.get(
        reverse("residents:import_preview", args=[upload.pk])
    ).content.decode()
    zheng = Member.objects.get(name="郑兴友")
    assert "<del>15967037556</del> → <ins>15900007556</ins>" in html
    assert "<del>1953</del> → <ins>1954</ins>" in html
    assert f'name="replace_member" value="{zheng.pk}"' in html
    assert 'name="replace_all_phones"' in html


def test_staff_see_masked_phones_and_their_agreement_replaces_nothing(
    staff_client, community, on_record
):
    upload = _upload(staff_client, community, OLDER)
    url = reverse("residents:import_preview", args=[upload.pk])
    html = staff_client.get(url).content.decode()
    assert "15967037556" not in html and "replace_member" not in html
    staff_client.post(
        reverse("residents:import_confirm", args=[upload.pk]), {"replace_all_phones": "on"}
    )
    assert phones() == {"郑兴友": "15967037556", "姚萍": "13611112222"}


def test_the_result_page_lists_what_changed_with_the_agreed_phone(
    admin_client_of_community, community, on_record
):
    client = admin_client_of_community
    upload = _upload(client, community, OLDER)
    client.get(reverse("residents:import_preview", args=[upload.pk]))
    zheng = Member.objects.get(name="郑兴友")
    response = client.post(
        reverse("residents:import_confirm", args=[upload.pk]), {"replace_member": [zheng.pk]}
    )
    body = b"".join(response.streaming_content).decode()
    result = body.split("import-outcome")[1]
    assert "改动了什么" in result
    assert "<del>15967037556</del> → <ins>15900007556</ins>" in result
    assert "已同意替换" in result
    assert "保留原号码" in result  # 姚萍's, not agreed
    assert phones() == {"郑兴友": "15900007556", "姚萍": "13611112222"}


def test_the_command_prints_each_change_and_replaces_phones_only_when_told(
    community, on_record, tmp_path
):
    path = write(tmp_path, "旧名册.xlsx", OLDER)
    out = io.StringIO()
    call_command("import_households", path, community="shanxin", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "郑兴友 · 手机：15967037556 → 15900007556（保留原号码" in text
    assert "姚萍 · 出生年份：1953 → 1954" in text
    assert phones()["郑兴友"] == "15967037556"

    call_command(
        "import_households",
        path,
        community="shanxin",
        replace_phones=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert phones() == {"郑兴友": "15900007556", "姚萍": "13600000000"}
