"""Many staff approving, undoing and adjusting one household at the same moment."""

import random
from decimal import Decimal

import pytest
from django.db.models import Sum

from points import services
from points.models import Account, LedgerEntry
from tests.concurrency import at_once
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_staff_approving_the_same_records_post_each_once(community):
    PointRuleFactory(community=community, points_per_hour=Decimal(1))
    household = HouseholdFactory(community=community)
    members = [MemberFactory(household=household) for _ in range(3)]
    project = ProjectFactory(community=community)
    attendances = [
        AttendanceFactory(
            activity=ActivityFactory(project=project, hours=Decimal(2)),
            member=members[n % 3],
            hours=Decimal(2),
        )
        for n in range(9)
    ]
    ids = [a.pk for a in attendances]
    staff = [UserFactory() for _ in range(8)]

    def approver(user):
        chosen = random.sample(ids, k=6)
        return lambda: services.approve(community=community, attendance_ids=chosen, by=user)

    errors = at_once([approver(user) for user in staff]).errors
    # and whatever the random subsets missed, approved afterwards
    services.approve(community=community, attendance_ids=ids, by=staff[0])
    assert errors == []
    assert LedgerEntry.objects.filter(kind="earn").count() == 9
    balance = Account.objects.get(household=household).balance
    assert balance == 27 == LedgerEntry.objects.aggregate(s=Sum("amount"))["s"]


def test_approvals_undos_and_adjustments_on_one_household_keep_it_consistent(community):
    PointRuleFactory(community=community)
    household = HouseholdFactory(community=community)
    member = MemberFactory(household=household)
    user = UserFactory()
    approved = [
        AttendanceFactory(activity__project__community=community, member=member) for _ in range(6)
    ]
    services.approve(community=community, attendance_ids=[a.pk for a in approved], by=user)
    # Enough in the passbook that no step below is refused, whatever the order.
    services.adjust(household=household, amount=20, reason="纸质存折转入", by=user)
    pending = [
        AttendanceFactory(activity__project__community=community, member=member) for _ in range(6)
    ]
    workers = [
        *(
            lambda a=a: services.undo_approval(attendance=a, reason="并发撤销", by=user)
            for a in approved
        ),
        *(
            lambda a=a: services.approve(community=community, attendance_ids=[a.pk], by=user)
            for a in pending
        ),
        *(
            lambda: services.adjust(household=household, amount=-2, reason="并发扣减", by=user)
            for _ in range(4)
        ),
    ]
    assert at_once(workers).errors == []
    balance = Account.objects.get(household=household).balance
    assert balance == LedgerEntry.objects.aggregate(s=Sum("amount"))["s"] == 6 + 20 - 6 + 6 - 8
    assert LedgerEntry.objects.filter(kind="earn").count() == 12
    assert LedgerEntry.objects.filter(kind="reverse").count() == 6
