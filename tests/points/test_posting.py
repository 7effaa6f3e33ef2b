"""Approving attendance posts points; undoing and adjusting post entries too."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from points import services
from points.models import Account, LedgerEntry
from tests.factories import HouseholdFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(community):
    return UserFactory()


def balance(household) -> int:
    return Account.objects.get(household=household).balance


def test_approval_posts_one_earn_entry_per_record_to_each_household(community, staff):
    PointRuleFactory(community=community)
    activity = ActivityFactory(project__community=community, date=datetime.date(2026, 11, 3))
    a, b = AttendanceFactory.create_batch(2, activity=activity)
    result = services.approve(community=community, attendance_ids=[a.pk, b.pk], by=staff)
    assert result.points == 2
    for attendance in (a, b):
        entry = LedgerEntry.objects.get(attendance=attendance)
        assert (entry.kind, entry.amount, entry.balance_after) == ("earn", 1, 1)
        assert entry.member == attendance.member and entry.activity == activity
        assert entry.rule is not None and entry.calculation == "每次 1 分"
        assert entry.created_by == staff and entry.occurred_on == activity.date
        assert balance(attendance.member.household) == 1
    a.refresh_from_db()
    assert a.status == "approved" and a.reviewed_by == staff


def test_approving_twice_posts_once(community, staff):
    PointRuleFactory(community=community)
    attendance = AttendanceFactory(activity__project__community=community)
    services.approve(community=community, attendance_ids=[attendance.pk], by=staff)
    again = services.approve(community=community, attendance_ids=[attendance.pk], by=staff)
    assert again.entries == []
    assert LedgerEntry.objects.count() == 1
    assert balance(attendance.member.household) == 1


def test_undoing_an_approval_posts_a_reversing_entry(community, staff):
    PointRuleFactory(community=community, points_per_hour=Decimal(1))
    attendance = AttendanceFactory(activity__project__community=community, hours=Decimal(2))
    services.approve(community=community, attendance_ids=[attendance.pk], by=staff)
    reversal = services.undo_approval(attendance=attendance, reason="登记错了人", by=staff)
    earned = LedgerEntry.objects.get(kind="earn")
    assert reversal.reverses == earned and reversal.amount == -3 and reversal.balance_after == 0
    assert LedgerEntry.objects.count() == 2  # nothing deleted
    attendance.refresh_from_db()
    assert attendance.status == "rejected" and "登记错了人" in attendance.rejection_reason
    assert balance(attendance.member.household) == 0


def test_an_adjustment_needs_a_reason_and_cannot_overdraw(community, staff):
    household = HouseholdFactory(community=community)
    with pytest.raises(ValidationError):
        services.adjust(household=household, amount=5, reason=" ", by=staff)
    services.adjust(household=household, amount=5, reason="纸质存折转入", by=staff)
    with pytest.raises(ValidationError):
        services.adjust(household=household, amount=-6, reason="更正", by=staff)
    assert balance(household) == 5
    assert LedgerEntry.objects.count() == 1


def test_rejecting_needs_a_reason_and_never_posts(community, staff):
    PointRuleFactory(community=community)
    attendance = AttendanceFactory(activity__project__community=community)
    with pytest.raises(ValidationError):
        services.reject(community=community, attendance_ids=[attendance.pk], reason="", by=staff)
    services.reject(
        community=community, attendance_ids=[attendance.pk], reason="当天未到场", by=staff
    )
    attendance.refresh_from_db()
    assert attendance.status == Attendance.Status.REJECTED
    assert not LedgerEntry.objects.exists()
    assert (
        services.approve(community=community, attendance_ids=[attendance.pk], by=staff).entries
        == []
    )


def test_another_communitys_records_are_never_approved(community, other_community, staff):
    PointRuleFactory(community=other_community)
    theirs = AttendanceFactory(activity__project__community=other_community)
    assert (
        services.approve(community=community, attendance_ids=[theirs.pk], by=staff).approved == []
    )
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_the_working_is_stored_in_chinese_whatever_language_the_reviewer_uses(community, staff):
    from django.utils import translation

    PointRuleFactory(community=community)
    attendance = AttendanceFactory(activity__project__community=community)
    with translation.override("en"):
        services.approve(community=community, attendance_ids=[attendance.pk], by=staff)
        reversal = services.undo_approval(attendance=attendance, reason="重复登记", by=staff)
    assert LedgerEntry.objects.get(kind="earn").calculation == "每次 1 分"
    assert reversal.reason == "撤销审核：重复登记"
