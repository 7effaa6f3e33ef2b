"""Random sequences of earning, reversing and adjusting keep balance = sum of entries ≥ 0,
matching a pure-Python model of the passbook."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from points import services
from points.models import Account, LedgerEntry
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db

steps = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(min_value=1, max_value=6)),  # hours
        st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=20)),  # which
        st.tuples(st.just("adjust"), st.integers(min_value=-15, max_value=15)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_any_sequence_keeps_the_balance_equal_to_the_sum_and_never_negative(community, steps):
    if not PointRuleFactory._meta.model.objects.filter(community=community).exists():
        PointRuleFactory(community=community, points_per_hour=Decimal(1))
    user = UserFactory()
    household = HouseholdFactory(community=community)
    member = MemberFactory(household=household)
    project = ProjectFactory(community=community)
    model_balance, approved = 0, []  # the model: a number and the approved records

    for op, value in steps:
        if op == "earn":
            attendance = AttendanceFactory(
                activity=ActivityFactory(project=project, hours=Decimal(value)),
                member=member,
                hours=Decimal(value),
            )
            services.approve(community=community, attendance_ids=[attendance.pk], by=user)
            model_balance += 1 + value  # 1 per session + 1 per hour
            approved.append((attendance, 1 + value))
        elif op == "reverse" and approved:
            attendance, points = approved[value % len(approved)]
            try:
                services.undo_approval(attendance=attendance, reason="测试冲正", by=user)
            except ValidationError:
                assert model_balance < points  # refused only when it would overdraw
            else:
                model_balance -= points
                approved.remove((attendance, points))
        elif op == "adjust" and value != 0:
            try:
                services.adjust(household=household, amount=value, reason="测试调整", by=user)
            except ValidationError:
                assert model_balance + value < 0
            else:
                model_balance += value

        account = Account.objects.filter(household=household).first()
        stored = account.balance if account else 0
        summed = (
            LedgerEntry.objects.filter(account__household=household).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        assert stored == summed == model_balance >= 0
