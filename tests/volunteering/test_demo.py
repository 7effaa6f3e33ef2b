"""The volunteering part of `manage.py seed_demo` (volunteering.demo)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from residents import demo as residents_demo
from residents.models import Community, Member
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

HOUSEHOLDS = 60
VOLUNTEERING_MODELS = [
    ProjectCategory,
    Project,
    ProjectClaim,
    Team,
    TeamMembership,
    Activity,
    Attendance,
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", households=HOUSEHOLDS, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in VOLUNTEERING_MODELS}


@pytest.mark.django_db
def test_seed_demo_builds_the_project_menu_teams_and_claims():
    output = seed()

    shanxin = Community.objects.get(slug="shanxin")
    assert ProjectCategory.objects.filter(community=shanxin).count() == 5
    projects = Project.objects.filter(community=shanxin)
    assert projects.count() == 26
    assert 1 <= projects.filter(is_active=False).count() <= 2
    assert set(demo.POSTS) <= set(
        projects.filter(category__name="党建议事").values_list("name", flat=True)
    )
    assert Project.objects.filter(community__slug="qihe3").exists()
    assert "山鑫阳光城居民区：项目类别 5 个、公益项目 26 个（停用 2 个）、团队 7 支" in output

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


@pytest.mark.django_db
def test_seeded_activities_lie_in_the_past_with_consistent_hours_and_attendance():
    seed()
    today = timezone.localdate()

    activities = Activity.objects.all()
    assert 80 <= activities.filter(community__slug="shanxin").count() <= 160
    assert 8 <= activities.filter(community__slug="qihe3").count() <= 25
    assert not activities.filter(date__gte=today).exists()
    for activity in activities:
        start, end = activity.start_time, activity.end_time
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        assert 0 < activity.hours <= 24
        assert activity.hours * 60 == minutes
        assert activity.organiser and activity.title and activity.place
    assert activities.values("submission_key").distinct().count() == activities.count()

    attendance = Attendance.objects.all()
    sizes = activities.annotate(n=Count("attendances")).values_list("n", flat=True)
    assert min(sizes) >= 4 and max(sizes) <= 40
    assert not attendance.filter(hours__lte=0).exists()
    assert not attendance.filter(hours__gt=24).exists()
    assert not attendance.filter(hours__gt=F("activity__hours")).exists()
    twice = attendance.values("activity", "member").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()
    statuses = set(attendance.values_list("status", flat=True))
    assert statuses == {Attendance.Status.PENDING, Attendance.Status.REJECTED}
    rejected = attendance.filter(status=Attendance.Status.REJECTED)
    assert rejected.count() < attendance.count() * 0.1
    assert not rejected.filter(rejection_reason="").exists()
    assert not attendance.filter(member__is_active=False).exists()
    assert attendance.filter(role=Attendance.Role.ORGANISER).exists()
    # Team activities are attended by the team's members, led by its leader.
    for activity in activities.filter(organiser="巡逻队").prefetch_related("attendances")[:5]:
        team = Team.objects.get(community=activity.community, name="巡逻队")
        members = set(team.memberships.values_list("member_id", flat=True))
        assert {a.member_id for a in activity.attendances.all()} <= members
        organisers = [a.member_id for a in activity.attendances.all() if a.role == "organiser"]
        assert organisers == [team.leader_id]


@pytest.mark.django_db
def test_every_seeded_row_belongs_to_the_community_of_what_it_points_at():
    seed()

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


@pytest.mark.django_db
def test_running_seed_demo_twice_changes_nothing():
    seed()
    before = counts()
    keys = sorted(Activity.objects.values_list("submission_key", flat=True))

    output = seed()

    assert counts() == before
    assert sorted(Activity.objects.values_list("submission_key", flat=True)) == keys
    assert output.count("已有志愿服务数据，未改动") == 2


@pytest.mark.django_db
def test_a_register_seeded_before_volunteering_existed_gains_its_data():
    residents_demo.seed_demo(households=HOUSEHOLDS)
    assert counts() == dict.fromkeys(counts(), 0)

    output = seed()

    assert output.count("已存在，未改动") == 2  # the register is left alone
    assert all(counts().values())
    assert "志愿服务：" in output
    assert "在职党员认领率" in output


@pytest.mark.django_db
def test_the_same_seed_on_the_same_day_gives_the_same_data():
    residents_demo.seed_demo(households=HOUSEHOLDS)
    communities = {c.slug: c for c in Community.objects.all()}

    def fingerprint() -> list:
        with transaction.atomic():
            demo.seed_demo(communities=communities)
            rows = list(
                Attendance.objects.order_by(
                    "activity__date", "activity__title", "member_id"
                ).values_list(
                    "activity__title",
                    "activity__date",
                    "activity__submission_key",
                    "member_id",
                    "hours",
                    "status",
                )
            )
            rows += list(
                ProjectClaim.objects.order_by("member_id", "project__name").values_list(
                    "member_id", "project__name", "claimed_on"
                )
            )
            transaction.set_rollback(True)
        return rows

    assert fingerprint() == fingerprint()


@pytest.mark.django_db
def test_a_community_without_residents_is_skipped():
    residents_demo.seed_demo(households=HOUSEHOLDS)
    empty = Community.objects.create(name="空居民区", slug="qihe3-empty", passbook_prefix="KK")

    lines = demo.seed_demo(communities={"qihe3": empty})

    assert lines == ["空居民区：还没有在册居民或工作人员账号，暂不生成志愿服务数据"]
    assert counts() == dict.fromkeys(counts(), 0)
