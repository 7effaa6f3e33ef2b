"""Which rule prices an attendance, and how many points it gives."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from points import services
from points.models import LedgerEntry, PointRule
from points.rules import quote_attendances
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def project(community):
    return ProjectFactory(community=community, name="义诊量血压")


def quote(community, attendance):
    return quote_attendances(community, [attendance])[attendance.pk]


def attend(project, day, hours=Decimal(2), role="participant", member=None):
    activity = ActivityFactory(project=project, date=day, hours=hours)
    extra = {"member": member} if member else {}
    return AttendanceFactory(activity=activity, hours=hours, role=role, **extra)


def test_one_stamp_is_one_point_under_the_community_default(community, project):
    PointRuleFactory(community=community)
    q = quote(community, attend(project, D(2026, 10, 8)))
    assert (q.points, q.calculation) == (1, "每次 1 分")


def test_a_project_rule_beats_its_category_rule_which_beats_the_default(community, project):
    PointRuleFactory(community=community, points_per_session=1)
    PointRuleFactory(community=community, category=project.category, points_per_session=2)
    attendance = attend(project, D(2026, 10, 8))
    assert quote(community, attendance).points == 2
    PointRuleFactory(community=community, project=project, points_per_session=3)
    assert quote(community, attendance).points == 3
    other = ProjectFactory(community=community)  # another category: the default
    assert quote(community, attend(other, D(2026, 10, 8))).points == 1


def test_the_rule_in_force_on_the_activitys_date_is_used(community, project):
    PointRuleFactory(community=community, starts_on=D(2026, 1, 1), ends_on=D(2026, 6, 30))
    PointRuleFactory(community=community, starts_on=D(2026, 7, 1), points_per_session=2)
    assert quote(community, attend(project, D(2026, 6, 30))).points == 1
    assert quote(community, attend(project, D(2026, 7, 1))).points == 2
    assert quote(community, attend(project, D(2025, 12, 31))).points == 0  # before any rule


@pytest.mark.parametrize(
    ("rounding", "hours", "points"),
    [
        ("down", "2.5", 2),
        ("nearest", "2.5", 3),
        ("nearest", "2.4", 2),
        ("up", "2.1", 3),
        ("down", "0.5", 0),
    ],
)
def test_points_per_hour_are_rounded_as_the_rule_says(community, project, rounding, hours, points):
    PointRuleFactory(
        community=community, points_per_session=0, points_per_hour=Decimal(1), rounding=rounding
    )
    assert quote(community, attend(project, D(2026, 10, 8), hours=Decimal(hours))).points == points


def test_session_hours_and_organiser_bonus_add_up(community, project):
    PointRuleFactory(
        community=community,
        points_per_session=1,
        points_per_hour=Decimal("1.5"),
        organiser_bonus=2,
    )
    q = quote(community, attend(project, D(2026, 10, 8), hours=Decimal(2), role="organiser"))
    assert q.points == 1 + 3 + 2
    assert "组织/带队 +2 分" in q.calculation


def test_the_daily_cap_counts_points_already_posted_that_day(community, project):
    rule = PointRuleFactory(community=community, points_per_session=1, daily_cap=2)
    member = MemberFactory(household=HouseholdFactory(community=community))
    day = D(2026, 10, 8)
    first, second, third = (attend(project, day, member=member) for _ in range(3))
    services.approve(community=community, attendance_ids=[first.pk], by=UserFactory())
    quotes = quote_attendances(community, [second, third])
    assert [quotes[second.pk].points, quotes[third.pk].points] == [1, 0]
    assert "已达上限" in quotes[third.pk].calculation
    assert quote(community, attend(project, D(2026, 10, 9), member=member)).points == 1
    assert rule.daily_cap == 2


def test_the_monthly_cap_resets_at_the_month_boundary(community, project):
    PointRuleFactory(community=community, points_per_session=3, monthly_cap=5)
    member = MemberFactory(household=HouseholdFactory(community=community))
    late_sept = [attend(project, D(2026, 9, d), member=member) for d in (28, 29, 30)]
    october = attend(project, D(2026, 10, 1), member=member)
    quotes = quote_attendances(community, [*late_sept, october])
    assert [quotes[a.pk].points for a in late_sept] == [3, 2, 0]
    assert quotes[october.pk].points == 3


def test_a_quarter_boundary_does_not_confuse_the_rule_periods(community, project):
    PointRuleFactory(community=community, starts_on=D(2026, 7, 1), ends_on=D(2026, 9, 30))
    PointRuleFactory(community=community, starts_on=D(2026, 10, 1), points_per_session=2)
    assert quote(community, attend(project, D(2026, 9, 30))).points == 1
    assert quote(community, attend(project, D(2026, 10, 1))).points == 2


def test_changing_a_rule_never_changes_points_already_posted(community, project):
    rule = PointRuleFactory(community=community)
    attendance = attend(project, D(2026, 10, 8))
    services.approve(community=community, attendance_ids=[attendance.pk], by=UserFactory())
    PointRule.objects.filter(pk=rule.pk).update(points_per_session=9)
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.calculation) == (1, "每次 1 分")


def test_overlapping_rules_of_one_scope_are_refused_by_the_database(community, project):
    PointRuleFactory(community=community, starts_on=D(2026, 1, 1), ends_on=D(2026, 6, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRuleFactory(community=community, starts_on=D(2026, 6, 30))
    PointRuleFactory(community=community, starts_on=D(2026, 7, 1))  # adjacent is fine
    PointRuleFactory(community=community, project=project, starts_on=D(2026, 3, 1))  # other scope


def test_a_rule_gives_some_points_and_names_one_scope(community, project):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRuleFactory(community=community, points_per_session=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointRuleFactory(community=community, project=project, category=project.category)
