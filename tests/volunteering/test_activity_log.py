"""The logging page: an activity and its participants in one save."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    BuildingGroupFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    TeamFactory,
    TeamMembershipFactory,
)
from volunteering.models import Activity, Attendance

pytestmark = pytest.mark.django_db
URL = reverse("volunteering:activity_log")


def residents(community, count, **household):
    return [
        MemberFactory(household=HouseholdFactory(community=community, **household))
        for _ in range(count)
    ]


def log_data(project, people, key=None, **overrides):
    data = {
        "action": "save",
        "submission_key": str(key or uuid.uuid4()),
        "project": project.pk,
        "title": "周三夜间安全巡逻",
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "start_time": "19:00",
        "end_time": "21:00",
        "hours": "",
        "place": "小区东门",
        "organiser": "巡逻队",
        "notes": "",
        "p": [str(m.pk) for m in people],
    }
    for member in people:
        data[f"present-{member.pk}"] = "1"
        data[f"role-{member.pk}"] = "participant"
    data.update(overrides)
    return data


@pytest.fixture
def project(community):
    return ProjectFactory(community=community, name="安全巡逻")


def test_saving_creates_the_activity_and_pending_attendance_for_each_person(
    staff_client, community, project
):
    people = residents(community, 3)
    data = log_data(project, people, **{f"hours-{people[0].pk}": "1.5"})
    data[f"role-{people[1].pk}"] = "organiser"
    response = staff_client.post(URL, data)
    activity = Activity.objects.get(community=community)
    assert response.status_code == 302
    assert response["Location"] == activity.get_absolute_url()
    assert activity.hours == 2  # from 19:00–21:00
    assert activity.created_by == staff_client.user
    rows = {a.member_id: a for a in activity.attendances.all()}
    assert set(rows) == {m.pk for m in people}
    assert rows[people[0].pk].hours == 1.5 and rows[people[2].pk].hours == 2
    assert rows[people[1].pk].role == "organiser"
    assert {a.status for a in rows.values()} == {"pending"}
    assert {a.recorded_by for a in rows.values()} == {staff_client.user}


def test_unticked_people_are_absent_and_not_recorded(staff_client, community, project):
    here, away = residents(community, 2)
    data = log_data(project, [here, away])
    del data[f"present-{away.pk}"]
    staff_client.post(URL, data)
    assert list(Attendance.objects.values_list("member_id", flat=True)) == [here.pk]


def test_hours_default_to_the_projects_when_no_times_are_given(staff_client, community):
    project = ProjectFactory(community=community, default_hours=3)
    data = log_data(project, residents(community, 1), start_time="", end_time="")
    staff_client.post(URL, data)
    assert Activity.objects.get().hours == 3


def test_the_same_form_saved_twice_makes_one_activity(staff_client, community, project):
    data = log_data(project, residents(community, 2), key=uuid.uuid4())
    first = staff_client.post(URL, data)
    second = staff_client.post(URL, data, follow=True)
    assert Activity.objects.count() == 1 and Attendance.objects.count() == 2
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "已经保存过了" in second.content.decode()


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("duplicate", "重复"),
        ("moved_out", "该户已迁出"),
        ("left", "已不在该户"),
        ("zero_hours", "时长应大于 0"),
        ("too_many_hours", "时长应大于 0"),
        ("other_community", None),
    ],
)
def test_a_bad_row_is_refused_with_a_message_on_that_row_and_nothing_saved(
    staff_client, community, other_community, project, problem, message
):
    good = residents(community, 2)
    data = log_data(project, good)
    if problem == "duplicate":
        data["p"] = data["p"] + [str(good[0].pk)]
    elif problem == "moved_out":
        good[1].household.status = "moved_out"
        good[1].household.moved_out_on = datetime.date(2026, 1, 1)
        good[1].household.save()
    elif problem == "left":
        good[1].is_active = False
        good[1].save()
    elif problem == "zero_hours":
        data[f"hours-{good[1].pk}"] = "0"
    elif problem == "too_many_hours":
        data[f"hours-{good[1].pk}"] = "25"
    elif problem == "other_community":
        stranger = residents(other_community, 1)[0]
        data["p"] = [str(stranger.pk)]
        data[f"present-{stranger.pk}"] = "1"
    response = staff_client.post(URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    if message:
        assert message in body
        assert "participant--error" in body
    else:
        # Another community's resident is never even shown: the list is simply empty.
        assert "请至少添加一位参与者" in body
    assert not Activity.objects.exists() and not Attendance.objects.exists()


def test_a_future_date_is_refused_and_nothing_saved(staff_client, community, project):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = staff_client.post(
        URL, log_data(project, residents(community, 1), date=tomorrow.isoformat())
    )
    assert response.status_code == 400
    assert "活动日期不能晚于今天" in response.content.decode()
    assert not Activity.objects.exists()


def test_an_end_before_the_start_is_refused(staff_client, community, project):
    response = staff_client.post(
        URL, log_data(project, residents(community, 1), start_time="21:00", end_time="19:00")
    )
    assert response.status_code == 400
    assert "结束时间应晚于开始时间" in response.content.decode()


def test_another_communitys_project_is_refused(staff_client, community, other_community):
    foreign = ProjectFactory(community=other_community)
    response = staff_client.post(URL, log_data(foreign, residents(community, 1)))
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_searching_without_javascript_keeps_the_form_and_finds_by_pinyin(
    staff_client, community, project
):
    zheng = MemberFactory(
        household=HouseholdFactory(community=community, building="5", room="302"), name="郑兴友"
    )
    already = MemberFactory(household=HouseholdFactory(community=community), name="王建国")
    data = log_data(project, [already], action="search", q="zxy")
    response = staff_client.post(URL, data)
    assert response.status_code == 200
    assert [m.pk for m in response.context["picker"].results] == [zheng.pk]
    assert [r.member.pk for r in response.context["picker"].rows] == [already.pk]
    assert "周三夜间安全巡逻" in response.content.decode()  # what was typed is kept
    assert not Activity.objects.exists()

    data.update(action="add", add=[str(zheng.pk)])
    response = staff_client.post(URL, data)
    assert [r.member.pk for r in response.context["picker"].rows] == [already.pk, zheng.pk]


def test_a_whole_team_or_building_group_is_added_in_one_click(staff_client, community, project):
    team = TeamFactory(community=community, name="巡逻队")
    members = residents(community, 3)
    for member in members[:2]:
        TeamMembershipFactory(team=team, member=member)
    group = BuildingGroupFactory(community=community)
    in_group = residents(community, 2, building_group=group)

    response = staff_client.post(
        URL, log_data(project, [], action="add_group", group=f"team:{team.pk}")
    )
    assert {r.member.pk for r in response.context["picker"].rows} == {m.pk for m in members[:2]}
    data = log_data(project, members[:2], action="add_group", group=f"bg:{group.pk}")
    response = staff_client.post(URL, data)
    assert {r.member.pk for r in response.context["picker"].rows} == {
        m.pk for m in members[:2] + in_group
    }


def test_search_never_finds_another_communitys_residents(staff_client, community, other_community):
    stranger = MemberFactory(household=HouseholdFactory(community=other_community), name="郑兴友")
    for query in ("zxy", "郑兴友", stranger.household.passbook_number, stranger.phone[-4:]):
        response = staff_client.get(reverse("volunteering:people_search"), {"q": query})
        assert response.status_code == 200
        assert "data-add-member" not in response.content.decode()
        assert "没有找到" in response.content.decode()


def test_group_rows_of_another_communitys_team_are_empty(staff_client, other_community):
    team = TeamFactory(community=other_community)
    TeamMembershipFactory(team=team)
    response = staff_client.get(
        reverse("volunteering:people_in_group"), {"group": f"team:{team.pk}"}
    )
    assert "data-member-id" not in response.content.decode()


def test_recording_200_people_takes_as_many_queries_as_recording_5(
    staff_client, community, project
):
    people = residents(community, 200)

    def queries_to_save(group) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.post(URL, log_data(project, group))
        assert response.status_code == 302
        return len(captured)

    few = queries_to_save(people[:5])
    many = queries_to_save(people)
    assert many == few
    assert Attendance.objects.count() == 205


def test_the_page_is_for_staff_and_admins(counter_client, client):
    assert counter_client.get(URL).status_code == 403
    assert client.get(URL).status_code == 302  # to login


def test_the_page_renders_for_staff(staff_client, project):
    response = staff_client.get(URL)
    assert response.status_code == 200
    assert "安全巡逻" in response.content.decode()
