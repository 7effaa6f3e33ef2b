"""The volunteering part of `manage.py seed_demo` (volunteering.demo), read from the one
seeding all demo tests share (the `seeded_demo` fixture). Seeding without the later apps,
twice with the same seed, or into a database that has only the register:
test_demo_seeding.py."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from residents.models import Community, Member
from tests.conftest import DEMO_HOUSEHOLDS
from volunteering import demo
from volunteering.models import (
    Activity,
    Attendance,
    Project,
    ProjectCategory,
    ProjectClaim,
    Team,
    TeamMembership,
)

VOLUNTEERING_MODELS = [
    ProjectCategory,
    Project,
    ProjectClaim,
    Team,
    TeamMembership,
    Activity,
    Attendance,
]


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_demo")]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in VOLUNTEERING_MODELS}


def test_seed_demo_builds_the_project_menu_teams_and_claims(seeded_demo):
    output = seeded_demo

    shanxin = Community.objects.get(slug="shanxin")
    categories = ProjectCategory.objects.filter(community=shanxin)
    # 5 categories and 26 projects of public welfare, and the party members' base points.
    assert categories.filter(is_base_points=False).count() == 5
    assert list(categories.filter(is_base_points=True).values_list("name", flat=True)) == [
        demo.BASE_CATEGORY
    ]
    projects = Project.objects.filter(community=shanxin, category__is_base_points=False)
    assert projects.count() == 26
    assert 1 <= projects.filter(is_active=False).count() <= 2
    assert set(demo.POSTS) <= set(
        projects.filter(category__name="党建议事").values_list("name", flat=True)
    )
    base = Project.objects.filter(community=shanxin, category__is_base_points=True)
    assert {"按时交纳党费", "参加组织生活（三会一课）", "参加主题党日"} == set(
        base.values_list("name", flat=True)
    )
    assert ProjectCategory.objects.filter(community__slug="qihe3", is_base_points=True).exists()
    assert Project.objects.filter(community__slug="qihe3").exists()
    assert (
        "山鑫阳光城居民区：项目类别 6 个、公益项目 26 个（停用 2 个）、党员基础分项目 3 个、"
        "团队 7 支"
    ) in output

    teams = Team.objects.filter(community=shanxin).annotate(size=Count("memberships"))
    assert {team.name for team in teams} == {spec.name for spec in demo.SHANXIN_PLAN.teams}
    for team in Team.objects.select_related("leader"):
        assert team.memberships.filter(member=team.leader).exists()
        assert team.leader.is_active
    assert all(team.size >= 8 for team in teams)
    today = timezone.localdate()
    assert not TeamMembership.objects.filter(joined_on__gte=today).exists()

    in_service = Member.objects.filter(
        community=shanxin, is_in_service_party_member=True, is_active=True
    )
    claimed = in_service.filter(project_claims__isnull=False).distinct().count()
    assert 0.60 <= claimed / in_service.count() <= 0.85
    claims_per_member = ProjectClaim.objects.values("member").annotate(n=Count("pk"))
    assert {row["n"] for row in claims_per_member} <= {1, 2, 3}
    assert not ProjectClaim.objects.filter(claimed_on__gte=today).exists()
    assert not ProjectClaim.objects.filter(member__is_party_member=False).exists()
    assert not ProjectClaim.objects.filter(project__category__is_base_points=True).exists()


def test_every_seeded_row_belongs_to_the_community_of_what_it_points_at():
    assert not Project.objects.exclude(community=F("category__community")).exists()
    for model in (ProjectClaim, Attendance, TeamMembership):
        assert not model.objects.exclude(community=F("member__community")).exists()
    assert not ProjectClaim.objects.exclude(community=F("project__community")).exists()
    assert not TeamMembership.objects.exclude(community=F("team__community")).exists()
    assert not Team.objects.exclude(community=F("leader__community")).exists()
    assert not Activity.objects.exclude(community=F("project__community")).exists()
    assert not Attendance.objects.exclude(community=F("activity__community")).exists()
    staff = {"shanxin": "sx_staff", "qihe3": "qh_staff"}
    for slug, username in staff.items():
        for model, field in ((Activity, "created_by"), (Attendance, "recorded_by")):
            users = set(
                model.objects.filter(community__slug=slug).values_list(
                    f"{field}__username", flat=True
                )
            )
            assert users == {username}


def test_running_seed_demo_twice_changes_nothing():
    before = counts()
    keys = sorted(Activity.objects.values_list("submission_key", flat=True))
    out = StringIO()

    call_command("seed_demo", households=DEMO_HOUSEHOLDS, stdout=out)
    output = out.getvalue()

    assert counts() == before
    assert sorted(Activity.objects.values_list("submission_key", flat=True)) == keys
    assert output.count("已有志愿服务数据，未改动") == 2
