"""Issue 17, item 7: adding a building group for a real turnout. The group menu says which
compound and buildings a group covers and how many live there; a group adds its adults only
(unless asked for everyone), or lists everyone unticked so the clerk ticks who came; the
whole list ticks or unticks at once. Each works with and without JavaScript."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    TeamFactory,
    TeamMembershipFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("volunteering:activity_log")
GROUP_ROWS = reverse("volunteering:people_in_group")


@pytest.fixture
def building_8(community):
    """8号楼组: buildings 15 and 16 of 山鑫阳光城二期; 3 adults and 2 children, one of
    unknown age (counted as an adult), and someone who moved away (not counted)."""
    compound = CompoundFactory(community=community, name="山鑫阳光城二期")
    group = BuildingGroupFactory(community=community, compound=compound, name="8号楼组")
    child_year = timezone.localdate().year - 9
    people, households = {}, {}
    for building, room, name, year in [
        ("15", "101", "郑兴友", 1958),
        ("15", "101", "郑小宝", child_year),
        ("16", "302", "李秀英", 1949),
        ("16", "302", "李乐乐", child_year),
        ("16", "402", "王阿姨", None),
    ]:
        if (building, room) not in households:
            households[building, room] = HouseholdFactory(
                community=community,
                compound=compound,
                building_group=group,
                building=building,
                room=room,
            )
        people[name] = MemberFactory(
            household=households[building, room], name=name, birth_year=year
        )
    gone = MemberFactory(household=people["李秀英"].household, name="搬走的人", is_active=False)
    people["搬走的人"] = gone
    return group, people


def options(html: str) -> dict[str, str]:
    return dict(re.findall(r'<option value="([^"]+)">([^<]+)</option>', html))


def log_data(project, **overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "project": project.pk,
        "title": "楼道清洁",
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "hours": "2",
    }
    data.update(overrides)
    return data


@pytest.fixture
def project(community):
    return ProjectFactory(community=community, name="楼道清洁")


def test_the_group_menu_says_each_groups_compound_buildings_and_size(staff_client, building_8):
    group, _people = building_8
    label = options(staff_client.get(URL).content.decode())[f"bg:{group.pk}"]
    assert label == "8号楼组 · 山鑫阳光城二期 · 15、16号楼 · 5 人，成人 3"


def test_the_team_menu_says_each_teams_size(staff_client, community, building_8):
    _group, people = building_8
    team = TeamFactory(community=community, name="巡逻队")
    for name in ("郑兴友", "郑小宝"):
        TeamMembershipFactory(team=team, member=people[name])
    label = options(staff_client.get(URL).content.decode())[f"team:{team.pk}"]
    assert label == "巡逻队 · 2 人，成人 1"


def test_the_menu_costs_the_same_queries_however_many_groups(
    staff_client, community, django_assert_max_num_queries
):
    for n in range(12):
        group = BuildingGroupFactory(community=community, name=f"{n + 1}号楼组")
        MemberFactory(household=HouseholdFactory(community=community, building_group=group))
    with django_assert_max_num_queries(14):
        response = staff_client.get(URL)
    assert len(options(response.content.decode())) == 12


def test_a_building_group_adds_its_adults_only_when_asked_without_javascript(
    staff_client, project, building_8
):
    group, people = building_8
    response = staff_client.post(
        URL, log_data(project, action="add_group", group=f"bg:{group.pk}", group_adults="1")
    )
    names = [row.member.name for row in response.context["picker"].rows]
    assert sorted(names) == sorted(["郑兴友", "李秀英", "王阿姨"])
    response = staff_client.post(URL, log_data(project, action="add_group", group=f"bg:{group.pk}"))
    assert len(response.context["picker"].rows) == 5


def test_a_group_listed_unticked_saves_only_who_was_ticked_without_javascript(
    staff_client, project, building_8
):
    group, people = building_8
    response = staff_client.post(
        URL, log_data(project, action="add_group", group=f"bg:{group.pk}", group_unticked="1")
    )
    picker = response.context["picker"]
    assert len(picker.rows) == 5 and picker.present_rows == []
    assert "都未勾选：请勾选到场的人" in picker.message
    came = people["李秀英"]
    data = log_data(project, action="save", p=[str(r.member.pk) for r in picker.rows])
    data[f"present-{came.pk}"] = "1"
    response = staff_client.post(URL, data)
    assert response.status_code == 302
    assert list(came.attendances.values_list("member__name", flat=True)) == ["李秀英"]


def test_the_whole_list_ticks_and_unticks_at_once_without_javascript(
    staff_client, project, building_8
):
    _group, people = building_8
    ids = [str(m.pk) for name, m in people.items() if name != "搬走的人"]
    data = log_data(project, action="untick_all", p=ids, **{f"present-{i}": "1" for i in ids})
    picker = staff_client.post(URL, data).context["picker"]
    assert len(picker.rows) == 5 and picker.present_rows == []
    data = log_data(project, action="tick_all", p=ids)
    picker = staff_client.post(URL, data).context["picker"]
    assert len(picker.present_rows) == 5


def test_the_group_rows_for_the_page_script_follow_the_two_choices(staff_client, building_8):
    group, _people = building_8
    html = staff_client.get(
        GROUP_ROWS, {"group": f"bg:{group.pk}", "adults": "1", "unticked": "1"}
    ).content.decode()
    assert html.count("data-member-id") == 3
    assert "checked" not in html
    html = staff_client.get(GROUP_ROWS, {"group": f"bg:{group.pk}"}).content.decode()
    assert html.count("data-member-id") == 5 and html.count("checked") == 5
