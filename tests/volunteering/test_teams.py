"""Volunteer teams: the list, a team's page, members and the leader (staff and admins)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import HouseholdFactory, MemberFactory, TeamFactory, TeamMembershipFactory
from volunteering.models import Team, TeamMembership
from volunteering.services.catalogue import remove_team_member, set_team_leader

pytestmark = pytest.mark.django_db
LIST = reverse("volunteering:team_list")


def url(name, *args):
    return reverse(f"volunteering:{name}", args=args)


def resident(community, **kwargs):
    return MemberFactory(household=HouseholdFactory(community=community), **kwargs)


@pytest.fixture
def team(community):
    return TeamFactory(community=community, name="平安巡逻队")


def join(team, **kwargs):
    return TeamMembershipFactory(
        team=team, member=resident(team.community, **kwargs), joined_on="2025-02-01"
    )


# The list


def test_the_list_shows_teams_with_leader_and_member_count(staff_client, community, team):
    leader = join(team, name="郑兴友").member
    join(team)
    team.leader = leader
    team.save()
    TeamFactory(community=community, name="合唱队")
    response = staff_client.get(LIST)
    assert response.status_code == 200
    listed = {t.name: t for t in response.context["teams"]}
    assert listed["平安巡逻队"].member_count == 2
    assert listed["合唱队"].member_count == 0
    body = response.content.decode()
    assert "郑兴友" in body and url("team_detail", team.pk) in body


def test_the_list_never_shows_another_communitys_teams(staff_client, other_community):
    TeamFactory(community=other_community, name="外区舞蹈队")
    assert "外区舞蹈队" not in staff_client.get(LIST).content.decode()


def test_retired_teams_are_listed_apart(staff_client, community):
    retired = TeamFactory(community=community, name="拳操队", is_active=False)
    response = staff_client.get(LIST)
    assert response.context["retired"] == [retired]
    assert response.context["teams"] == []


def test_the_list_query_count_does_not_grow_with_teams(staff_client, community):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(LIST).status_code == 200
        return len(captured)

    def make(count):
        for _ in range(count):
            team = TeamFactory(community=community)
            team.leader = join(team).member
            team.save()

    make(2)
    small = queries()
    make(10)
    assert queries() == small


def test_staff_create_a_team(staff_client, community):
    response = staff_client.post(url("team_create"), {"team-name": " 老伙伴 结对组 "})
    team = Team.objects.get(community=community)
    assert response.status_code == 302
    assert response["Location"] == url("team_detail", team.pk)
    assert (team.name, team.is_active, team.leader) == ("老伙伴 结对组", True, None)


def test_a_team_needs_a_new_name(staff_client, community, team):
    refused = staff_client.post(url("team_create"), {"team-name": "平安巡逻队"})
    assert refused.status_code == 400
    assert "本居民区已有“平安巡逻队”" in refused.content.decode()
    empty = staff_client.post(url("team_create"), {"team-name": ""})
    assert empty.status_code == 400
    assert "请填写团队名称" in empty.content.decode()
    assert Team.objects.count() == 1


def test_the_counter_role_cannot_see_or_create_teams(counter_client):
    assert counter_client.get(LIST).status_code == 403
    assert counter_client.post(url("team_create"), {"team-name": "新队"}).status_code == 403
    assert not Team.objects.exists()


def test_the_list_rejects_post_and_create_rejects_get(staff_client):
    assert staff_client.post(LIST).status_code == 405
    assert staff_client.get(url("team_create")).status_code == 405


# A team's page


def test_the_team_page_lists_members_leader_first_with_masked_phones(staff_client, community, team):
    first = join(team, name="李秀英", phone="13911112222")
    leader = join(team, name="郑兴友", phone="13812345678", is_party_member=True).member
    team.leader = leader
    team.save()
    response = staff_client.get(url("team_detail", team.pk))
    assert response.status_code == 200
    assert [m.member for m in response.context["memberships"]] == [leader, first.member]
    body = response.content.decode()
    assert "138****5678" in body and "13812345678" not in body
    assert "队长" in body and "党员" in body


def test_a_member_without_a_phone_shows_the_households_masked(staff_client, community, team):
    household = HouseholdFactory(community=community, phone="13900001234")
    TeamMembershipFactory(team=team, member=MemberFactory(household=household, phone=""))
    body = staff_client.get(url("team_detail", team.pk)).content.decode()
    assert "139****1234（家）" in body and "13900001234" not in body


def test_admins_see_full_phone_numbers(admin_client_of_community, community, team):
    join(team, phone="13812345678")
    body = admin_client_of_community.get(url("team_detail", team.pk)).content.decode()
    assert "13812345678" in body


def test_the_team_page_finds_residents_and_marks_members(staff_client, community, team):
    member = join(team, name="郑兴友").member
    free = resident(community, name="郑小红")
    response = staff_client.get(url("team_detail", team.pk), {"q": "郑"})
    assert set(response.context["found"]) == {member, free}
    body = response.content.decode()
    assert f'name="members" value="{free.pk}"' in body
    assert f'name="members" value="{member.pk}"' not in body
    assert "已在队" in body


def test_staff_add_ticked_residents_and_existing_members_are_skipped(staff_client, community, team):
    already = join(team, name="郑兴友")
    newcomer = resident(community, name="李秀英")
    response = staff_client.post(
        url("team_add_members", team.pk),
        {"members": [already.member_id, newcomer.pk], "on": "2025-03-08"},
        follow=True,
    )
    assert response.status_code == 200
    rows = TeamMembership.objects.filter(team=team).order_by("pk")
    assert [(r.member, r.joined_on, r.community) for r in rows] == [
        (already.member, datetime.date(2025, 2, 1), community),
        (newcomer, datetime.date(2025, 3, 8), community),
    ]
    body = response.content.decode()
    assert "李秀英 已加入“平安巡逻队”" in body
    assert "郑兴友 已在团队中，未重复添加" in body


def test_adding_nobody_is_refused_with_a_message(staff_client, team):
    response = staff_client.post(url("team_add_members", team.pk), {"on": "2025-03-08"})
    assert response.status_code == 400
    assert "请先查找并勾选至少一位居民" in response.content.decode()
    assert not TeamMembership.objects.exists()


def test_only_current_residents_of_the_community_can_join(
    staff_client, community, other_community, team
):
    for person in (resident(other_community), resident(community, is_active=False)):
        response = staff_client.post(
            url("team_add_members", team.pk), {"members": [person.pk], "on": "2025-03-08"}
        )
        assert response.status_code == 400
        assert "所选居民不是本居民区的在册居民" in response.content.decode()
    assert not TeamMembership.objects.exists()


def test_a_retired_team_takes_no_new_members(staff_client, community):
    retired = TeamFactory(community=community, name="拳操队", is_active=False)
    response = staff_client.post(
        url("team_add_members", retired.pk),
        {"members": [resident(community).pk], "on": "2025-03-08"},
    )
    assert response.status_code == 400
    assert "团队“拳操队”已停用，不能再添加队员" in response.content.decode()
    assert not TeamMembership.objects.exists()


def test_staff_set_a_member_as_leader(staff_client, team):
    member = join(team, name="郑兴友").member
    response = staff_client.post(url("team_set_leader", team.pk, member.pk), follow=True)
    team.refresh_from_db()
    assert team.leader == member
    assert "郑兴友 现在是“平安巡逻队”的队长" in response.content.decode()


def test_the_leader_must_be_a_member_of_the_team(staff_client, community, team):
    outsider = resident(community, name="王建国")
    response = staff_client.post(url("team_set_leader", team.pk, outsider.pk), follow=True)
    team.refresh_from_db()
    assert team.leader is None
    assert "王建国 还不是该团队的队员" in response.content.decode()
    with pytest.raises(ValidationError):
        set_team_leader(team=team, member=outsider)


def test_staff_remove_a_member(staff_client, team):
    leaving, staying = join(team, name="郑兴友"), join(team)
    response = staff_client.post(url("team_remove_member", team.pk, leaving.member_id))
    assert response.status_code == 302
    assert list(TeamMembership.objects.filter(team=team)) == [staying]


def test_removing_the_leader_leaves_the_team_without_one(staff_client, team):
    leader = join(team).member
    team.leader = leader
    team.save()
    staff_client.post(url("team_remove_member", team.pk, leader.pk))
    team.refresh_from_db()
    assert team.leader is None
    assert not TeamMembership.objects.filter(team=team).exists()


def test_removing_someone_not_in_the_team_says_so(community, team):
    with pytest.raises(ValidationError, match="不在该团队中"):
        remove_team_member(team=team, member=resident(community))


def test_staff_rename_a_team(staff_client, team):
    assert staff_client.get(url("team_edit", team.pk)).status_code == 200
    response = staff_client.post(url("team_edit", team.pk), {"name": "夜间巡逻队"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "夜间巡逻队"


def test_renaming_to_a_taken_name_is_refused(staff_client, community, team):
    TeamFactory(community=community, name="合唱队")
    response = staff_client.post(url("team_edit", team.pk), {"name": "合唱队"})
    assert response.status_code == 400
    assert "本居民区已有“合唱队”" in response.content.decode()
    team.refresh_from_db()
    assert team.name == "平安巡逻队"


def test_staff_retire_a_team_and_bring_it_back_keeping_its_members(staff_client, team):
    membership = join(team)
    staff_client.post(url("team_retire", team.pk))
    team.refresh_from_db()
    assert not team.is_active
    assert list(team.memberships.all()) == [membership]
    staff_client.post(url("team_reactivate", team.pk))
    team.refresh_from_db()
    assert team.is_active


@pytest.mark.parametrize(
    "name", ["team_add_members", "team_retire", "team_reactivate", "team_member_action"]
)
def test_team_writes_reject_get(staff_client, team, name):
    member = join(team).member
    if name == "team_member_action":
        urls = [
            url("team_remove_member", team.pk, member.pk),
            url("team_set_leader", team.pk, member.pk),
        ]
    else:
        urls = [url(name, team.pk)]
    for target in urls:
        assert staff_client.get(target).status_code == 405
    team.refresh_from_db()
    assert (team.is_active, team.leader, team.memberships.count()) == (True, None, 1)


def test_another_communitys_team_is_404_everywhere(staff_client, community, other_community):
    foreign = TeamFactory(community=other_community, name="外区舞蹈队")
    member = join(foreign).member
    mine = resident(community)
    assert staff_client.get(url("team_detail", foreign.pk)).status_code == 404
    assert staff_client.get(url("team_edit", foreign.pk)).status_code == 404
    posts = [
        (url("team_edit", foreign.pk), {"name": "改名"}),
        (url("team_retire", foreign.pk), {}),
        (url("team_reactivate", foreign.pk), {}),
        (url("team_add_members", foreign.pk), {"members": [mine.pk], "on": "2025-03-08"}),
        (url("team_remove_member", foreign.pk, member.pk), {}),
        (url("team_set_leader", foreign.pk, member.pk), {}),
    ]
    for target, data in posts:
        assert staff_client.post(target, data).status_code == 404, target
    foreign.refresh_from_db()
    assert (foreign.name, foreign.is_active, foreign.leader) == ("外区舞蹈队", True, None)
    assert foreign.memberships.count() == 1


def test_another_communitys_member_is_404_on_my_team(staff_client, other_community, team):
    outsider = resident(other_community)
    assert staff_client.post(url("team_set_leader", team.pk, outsider.pk)).status_code == 404
    assert staff_client.post(url("team_remove_member", team.pk, outsider.pk)).status_code == 404
    team.refresh_from_db()
    assert team.leader is None
