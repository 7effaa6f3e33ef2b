"""The party pages: who may use them, what they show, the filters and search, the export,
the roll-call and the settings, and their query budgets."""

from __future__ import annotations

import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from party import services
from party.models import PartyEntry, PartySettings, ProjectRole
from points import services as points_services
from points.models import PassbookPolicy
from residents.models import ExportRecord
from tests.factories import (
    BuildingGroupFactory,
    HouseholdFactory,
    MemberFactory,
    NonResidentFactory,
    ProjectClaimFactory,
    UserFactory,
)
from tests.party.helpers import D, party_setup
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(community):
    return party_setup(community)


@pytest.fixture
def people(community, setup):
    """A retired electrician in building group 3 (its leader), an in-service road engineer
    who reported here (报到) and claimed the deliberation post, and a resident who is not a
    party member."""
    group = BuildingGroupFactory(community=community, name="3号楼组")
    wang = MemberFactory(
        household=HouseholdFactory(community=community, building_group=group, building="3"),
        name="王建国",
        is_party_member=True,
        specialties=["电工", "水管维修"],
    )
    group.leader = wang
    group.save()
    zhou = NonResidentFactory(
        community=community, name="周建华", employer="市政道路管理所", specialties=["驾驶"]
    )
    ProjectClaimFactory(project=setup.post, member=zhou)
    MemberFactory(household=HouseholdFactory(community=community), name="李秀英")
    return {"wang": wang, "zhou": zhou, "group": group}


PAGES = [
    ("party:register", []),
    ("party:standings", []),
    ("party:standings_notice", []),
    ("party:roll_call", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_the_counter_clerk_may_not_open_the_party_pages(counter_client, name, args):
    assert counter_client.get(reverse(name, args=args)).status_code == 403


def test_only_admins_edit_the_party_settings(staff_client, admin_client_of_community):
    assert staff_client.get(reverse("party:settings")).status_code == 403
    assert admin_client_of_community.get(reverse("party:settings")).status_code == 200


def test_another_communitys_staff_get_404_for_a_member(other_staff_client, people):
    url = reverse("party:member", args=[people["zhou"].pk])
    assert other_staff_client.get(url).status_code == 404
    response = other_staff_client.post(
        reverse("party:member_profile", args=[people["zhou"].pk]), {"reported_on": "2026-01-02"}
    )
    assert response.status_code == 404


def test_the_register_shows_the_four_facts_and_who_has_no_post(staff_client, people):
    text = staff_client.get(reverse("party:register")).content.decode()
    assert "王建国" in text and "周建华" in text and "李秀英" not in text
    assert "市政道路管理所" in text and "电工" in text
    assert "楼道议事会" in text and "议事岗" in text
    assert "未认领" in text  # 王建国 holds no post
    assert "楼组长" in text and "报到" in text


def names(response) -> set[str]:
    return {member.name for member in response.context["members"]}


def test_the_register_finds_retired_electricians_in_building_group_3_and_road_workers(
    staff_client, people
):
    url = reverse("party:register")
    found = staff_client.get(
        url, {"q": "电工", "service": "retired", "building_group": people["group"].pk}
    )
    assert names(found) == {"王建国"}
    assert names(staff_client.get(url, {"q": "市政"})) == {"周建华"}
    assert names(staff_client.get(url, {"post": "none"})) == {"王建国"}
    assert names(staff_client.get(url, {"post": "deliberation"})) == {"周建华"}
    assert names(staff_client.get(url, {"residence": "non_resident"})) == {"周建华"}
    assert names(staff_client.get(url, {"leader": "yes"})) == {"王建国"}
    assert names(staff_client.get(url, {"service": "in_service"})) == {"周建华"}


def test_bad_filters_are_said_and_show_everyone(staff_client, people):
    response = staff_client.get(reverse("party:register"), {"service": "x", "q": "a\x00"})
    assert response.status_code == 200
    assert "查找条件有误" in response.content.decode()
    assert names(response) == {"王建国", "周建华"}


def test_the_register_exports_to_xlsx_on_record(staff_client, people):
    response = staff_client.get(reverse("party:register_export"), {"q": "市政"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "住址/报到", "在职/退休")
    assert rows[1][0] == "周建华" and rows[1][1] == "报到" and rows[1][3] == "市政道路管理所"
    assert len(rows) == 2
    record = ExportRecord.objects.get()
    assert record.what == "cpc_members" and record.rows == 1


def test_the_register_keeps_its_query_count_whatever_the_number_of_members(
    staff_client, people, community, django_assert_max_num_queries
):
    for n in range(30):
        NonResidentFactory(community=community, name=f"党员{n}", specialties=["电工"])
    with django_assert_max_num_queries(14):
        assert staff_client.get(reverse("party:register")).status_code == 200


def test_the_standings_rank_totals_and_say_why_the_standard_is_not_met(
    staff_client, people, setup, community
):
    staff = UserFactory()
    wang, zhou = people["wang"], people["zhou"]
    for month in (7, 8):
        services.record_roll_call(
            community=community,
            project=setup.dues,
            on=D(2026, month, 3),
            present=[wang.pk, zhou.pk] if month == 7 else [wang.pk],
            submission_key=uuid.uuid4(),
            by=staff,
        )
    services.record_roll_call(
        community=community,
        project=setup.meeting,
        on=D(2026, 8, 10),
        present=[wang.pk],
        submission_key=uuid.uuid4(),
        by=staff,
    )
    PartySettings.objects.create(community=community, meetings_per_quarter=1)
    response = staff_client.get(reverse("party:standings"), {"period": "2026Q3"})
    rows = response.context["standings"].rows
    assert [(row.member.name, row.base, row.total) for row in rows] == [
        ("王建国", 6, 6),
        ("周建华", 2, 2),
    ]
    assert rows[0].dues_paid == 2 and rows[0].dues_required == 3
    text = response.content.decode()
    assert "储值大户" in text
    assert "三个月党费 1/3，组织生活 0/1" in text  # 周建华
    assert "三个月党费 2/3</small>" in text  # 王建国 went to the meeting


def test_the_public_notice_masks_names(staff_client, people):
    text = staff_client.get(reverse("party:standings_notice")).content.decode()
    assert "王*国" in text and "王建国" not in text and "市政道路管理所" not in text


def test_a_members_page_is_their_account_like_a_passbook(staff_client, people, setup, community):
    record = AttendanceFactory(
        activity=ActivityFactory(project=setup.service, date=D(2026, 11, 3)),
        member=people["zhou"],
    )
    points_services.approve(community=community, attendance_ids=[record.pk], by=UserFactory())
    response = staff_client.get(reverse("party:member", args=[people["zhou"].pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "增值分" in text and "+1" in text and "义务安保巡逻" in text


def test_the_reported_date_is_saved_and_a_bad_one_changes_nothing(staff_client, people):
    url = reverse("party:member_profile", args=[people["zhou"].pk])
    bad = staff_client.post(url, {"reported_on": "10000-01-01"})
    assert bad.status_code == 400
    assert staff_client.post(url, {"reported_on": "2026-03-01"}).status_code == 302
    assert people["zhou"].party_profiles.get().reported_on == D(2026, 3, 1)


def test_the_roll_call_ticks_everybody_and_saves_the_ticked(staff_client, people, setup):
    page = staff_client.get(reverse("party:roll_call"))
    assert page.content.decode().count(" checked>") == 2
    response = staff_client.post(
        reverse("party:roll_call"),
        {
            "project": setup.meeting.pk,
            "date": "2026-11-10",
            "present": [people["wang"].pk],
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert PartyEntry.objects.get().account.member == people["wang"]


@pytest.mark.parametrize(
    "data",
    [
        {"project": "x", "date": "2026-11-10"},
        {"date": "2999-01-01"},
        {"date": "2026-11-10", "present": ["１٣"]},
        {"date": "2026-11-10", "present": []},
    ],
)
def test_a_wrong_roll_call_says_why_and_saves_nothing(staff_client, people, setup, data):
    data = {"project": setup.meeting.pk, **data}
    response = staff_client.post(reverse("party:roll_call"), data)
    assert response.status_code == 400
    assert not PartyEntry.objects.exists()


def test_admins_set_the_standard_the_passbook_policy_and_the_projects_roles(
    admin_client_of_community, setup, community
):
    response = admin_client_of_community.post(
        reverse("party:settings"),
        {
            "meetings_per_quarter": "2",
            "base_points_to_passbook": "on",
            f"role-{setup.service.pk}": "dedication",
            f"role-{setup.post.pk}": "",
            f"role-{setup.dues.pk}": "dues",
            f"role-{setup.meeting.pk}": "meeting",
        },
    )
    assert response.status_code == 302
    assert PartySettings.objects.get(community=community).meetings_per_quarter == 2
    assert PassbookPolicy.base_points_allowed(community)
    assert ProjectRole.objects.get(project=setup.service).post == "dedication"
    assert not ProjectRole.objects.filter(project=setup.post).exists()
    bad = admin_client_of_community.post(reverse("party:settings"), {"meetings_per_quarter": "99"})
    assert bad.status_code == 400
    assert PartySettings.objects.get(community=community).meetings_per_quarter == 2


def test_the_standings_and_a_members_page_keep_their_query_counts(
    staff_client, people, community, setup, django_assert_max_num_queries
):
    staff = UserFactory()
    many = [NonResidentFactory(community=community, name=f"党员{n}") for n in range(25)]
    services.record_roll_call(
        community=community,
        project=setup.meeting,
        on=D(2026, 8, 10),
        present=[m.pk for m in many],
        submission_key=uuid.uuid4(),
        by=staff,
    )
    with django_assert_max_num_queries(12):
        staff_client.get(reverse("party:standings"), {"period": "2026Q3"})
    with django_assert_max_num_queries(12):
        staff_client.get(reverse("party:member", args=[many[0].pk]))


def test_party_settings_and_profiles_are_on_the_audit_trail(admin_client_of_community, people):
    from residents.models import AuditEvent

    admin_client_of_community.post(
        reverse("party:settings"), {"meetings_per_quarter": "2", "base_points_to_passbook": "on"}
    )
    admin_client_of_community.post(
        reverse("party:member_profile", args=[people["zhou"].pk]), {"reported_on": "2026-03-01"}
    )
    tables = set(AuditEvent.objects.values_list("table", flat=True))
    assert {"party_partysettings", "party_partymember", "points_passbookpolicy"} <= tables
    event = AuditEvent.objects.filter(table="party_partymember").first()
    assert event.actor is not None
