"""What every example of the state machine shares: its settings and strategies, what the runs
did (Stats) and the communities under test (World)."""

from __future__ import annotations

import datetime
import re
import uuid
from collections import Counter
from decimal import Decimal

from django.utils import timezone
from hypothesis import strategies as st

from points import services as points_services
from points.models import Account, LedgerEntry
from redemption import services as redemption_services
from redemption.models import Redemption, Round, RoundItem
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import RoundFactory, RoundItemFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

MAX_EXAMPLES = 25
STEPS = 30
DAILY_CAP = 8  # points per member per day under the rule: caps bind after two or three visits
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PENDING, APPROVED, REJECTED = (
    Attendance.Status.PENDING,
    Attendance.Status.APPROVED,
    Attendance.Status.REJECTED,
)
DRAFT, OPEN, CLOSED = Round.Status.DRAFT, Round.Status.OPEN, Round.Status.CLOSED
REASONS = st.sampled_from(["测试原因", "测试原因", "测试原因", "   "])  # sometimes blank
INDEX = st.integers(min_value=0, max_value=63)  # picks from a model list (modulo its length)
LINES = st.dictionaries(INDEX, st.integers(min_value=0, max_value=2), min_size=1, max_size=3)
POLICIES = st.sampled_from(list(Round.BalancePolicy))
CAPS = st.sampled_from([3, 10])
BUDGETS = st.sampled_from([Decimal("12.00"), Decimal("40.00"), Decimal("1000.00")])
ITEMS = st.lists(
    st.tuples(
        st.integers(min_value=2, max_value=12),  # points
        st.sampled_from([Decimal("0.00"), Decimal("2.50"), Decimal("8.50")]),  # cost
        st.integers(min_value=1, max_value=6),  # stock
        st.one_of(st.none(), st.integers(min_value=1, max_value=3)),  # per-household limit
    ),
    min_size=1,
    max_size=3,
)


class Stats:
    """What the runs did, for the reliability report."""

    def __init__(self) -> None:
        self.examples = 0
        self.steps = 0
        self.rules: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()
        self.mismatches = 0
        self.done: Counter[str] = Counter()  # what succeeded


class World:
    """What every example shares: the community under test, its rule, project and clerk,
    and the other community with data of its own that must never change."""

    def __init__(self, community, other) -> None:
        today = timezone.localdate()
        self.community = community
        self.other = other
        self.user = UserFactory(username="model-clerk")
        self.days = [today - datetime.timedelta(days=11), today - datetime.timedelta(days=10)]
        PointRuleFactory(
            community=community,
            starts_on=today - datetime.timedelta(days=400),
            points_per_session=1,
            points_per_hour=Decimal(1),
            daily_cap=DAILY_CAP,
            created_by=self.user,
        )
        self.project = ProjectFactory(community=community)
        # The other community: points, an approved attendance, an open round, a redemption.
        PointRuleFactory(
            community=other, starts_on=today - datetime.timedelta(days=400), created_by=self.user
        )
        self.other_households = [HouseholdFactory(community=other) for _ in range(2)]
        for household in self.other_households:
            points_services.adjust(household=household, amount=40, reason="开户", by=self.user)
        member = MemberFactory(household=self.other_households[0])
        attendance = AttendanceFactory(
            activity=ActivityFactory(
                project=ProjectFactory(community=other), date=self.days[0], created_by=self.user
            ),
            member=member,
        )
        points_services.approve(community=other, attendance_ids=[attendance.pk], by=self.user)
        self.other_round = RoundFactory(community=other, created_by=self.user)
        self.other_item = RoundItemFactory(round=self.other_round, stock=20)
        redemption_services.open_round(round_=self.other_round, by=self.user)
        redemption_services.redeem(
            community=other,
            household=self.other_households[1],
            quantities={self.other_item.pk: 1},
            submission_key=uuid.uuid4(),
            by=self.user,
        )
        self.other_snapshot = self.snapshot_other()

    def snapshot_other(self) -> tuple:
        other = self.other
        return (
            list(
                Account.objects.filter(community=other).order_by("pk").values_list("pk", "balance")
            ),
            list(
                LedgerEntry.objects.filter(community=other)
                .order_by("pk")
                .values_list("pk", "kind", "amount")
            ),
            list(
                Attendance.objects.filter(community=other)
                .order_by("pk")
                .values_list("pk", "status")
            ),
            list(
                Round.objects.filter(community=other)
                .order_by("pk")
                .values_list("pk", "status", "spent_yuan", "receipt_serial")
            ),
            list(
                RoundItem.objects.filter(community=other).order_by("pk").values_list("pk", "taken")
            ),
            list(
                Redemption.objects.filter(community=other)
                .order_by("pk")
                .values_list("pk", "cancelled_at")
            ),
        )
