"""Seeding the volunteering demo (volunteering.demo): without the points app's review, twice
with the same seed, into a database that has only the register, into an empty community.
What one whole seeding leaves behind is read in test_demo.py."""

import datetime
from decimal import Decimal
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


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", households=HOUSEHOLDS, stdout=out)
    return out.getvalue()


def seed_volunteering_only() -> None:
    """The register and volunteering.demo, without the points app's review of it."""
    report = residents_demo.seed_demo(households=HOUSEHOLDS)
    demo.seed_demo(communities={s.community.slug: s.community for s in report.communities})


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in VOLUNTEERING_MODELS}


@pytest.mark.django_db
def test_seeded_activities_lie_in_the_past_with_consistent_hours_and_attendance():
    seed_volunteering_only()
    today = timezone.localdate()

    activities = Activity.objects.all()
    assert 200 <= activities.filter(community__slug="shanxin").count() <= 320
    assert 30 <= activities.filter(community__slug="qihe3").count() <= 70
    assert not activities.filter(date__gte=today).exists()
    # A year of activities, up to yesterday.
    first = today - datetime.timedelta(days=demo.WINDOW_DAYS)
    assert not activities.filter(date__lt=first).exists()
    assert activities.filter(date__lt=first + datetime.timedelta(days=31)).exists()
    assert activities.filter(date__gte=today - datetime.timedelta(days=14)).exists()
    for activity in activities:
        start, end = activity.start_time, activity.end_time
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        assert 0 < activity.hours <= 24
        assert activity.hours * 60 == minutes
        assert activity.organiser and activity.title and activity.place
    assert activities.values("submission_key").distinct().count() == activities.count()

    attendance = Attendance.objects.all()
    welfare = activities.filter(project__category__is_base_points=False)
    sizes = welfare.annotate(n=Count("attendances")).values_list("n", flat=True)
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
    assert not rejected.filter(reviewed_by=None).exists()
    assert not attendance.filter(
        status=Attendance.Status.PENDING, reviewed_by__isnull=False
    ).exists()
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
def test_base_points_activities_are_monthly_and_attended_by_party_members():
    seed_volunteering_only()
    shanxin = Community.objects.get(slug="shanxin")

    base = Activity.objects.filter(project__category__is_base_points=True)
    assert not Attendance.objects.filter(activity__in=base, member__is_party_member=False).exists()
    assert set(base.values_list("organiser", flat=True)) == {demo.PARTY_ORGANISER}
    for name in ("按时交纳党费", "参加主题党日"):
        dates = base.filter(community=shanxin, project__name=name).values_list("date", flat=True)
        months = [(d.year, d.month) for d in dates]
        assert 11 <= len(months) == len(set(months)) <= 13  # one a month
    dues = base.filter(project__name="按时交纳党费")
    assert set(dues.values_list("hours", flat=True)) == {Decimal("0.5")}
    assert all(a.title.endswith("月党费按时交纳") for a in dues)
    # Dues are paid every month (the base standard asks for each month's), most on time.
    party = Member.objects.filter(community=shanxin, is_party_member=True).current().count()
    paid = [activity.attendances.count() for activity in dues.filter(community=shanxin)]
    assert 0.85 * party * len(paid) <= sum(paid) <= party * len(paid)
    assert not Attendance.objects.filter(
        activity__in=dues, status=Attendance.Status.REJECTED
    ).exists()
    meetings = base.filter(community=shanxin, project__name="参加组织生活（三会一课）")
    assert 3 <= meetings.count() <= 5  # quarterly


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
