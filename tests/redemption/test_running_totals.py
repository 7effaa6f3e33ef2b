"""The running totals the ledger keeps (points.tallies, migration 0012): whatever posts
entries — approval, its undoing, a redemption, its cancellation, an adjustment, a round's
expiry — the totals equal what the entries add up to, in the same transaction; a total
tampered with is found by reconcile_ledger; the standings and the dashboard read them."""

from __future__ import annotations

import datetime
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from points import services as points_services
from points import tallies
from points.dashboard import points as dashboard_points
from points.models import AccountTally, MemberTally, MonthTally
from points.selectors import standings
from redemption import services as redemption_services
from residents.reporting import quarter_of
from tests.factories import MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 20)
SEP = datetime.date(2026, 9, 30)


def attended(community, member, project, day, times=1):
    return [
        AttendanceFactory(activity=ActivityFactory(project=project, date=day), member=member).pk
        for _ in range(times)
    ]


@pytest.fixture
def scene(community):
    """Two members of two households earn in Q3 and Q4 (2 points a session)."""
    PointRuleFactory(community=community, starts_on=datetime.date(2020, 1, 1), points_per_session=2)
    project = ProjectFactory(community=community)
    staff = UserFactory()
    wang, li = (MemberFactory(household__community=community) for _ in range(2))
    ids = attended(community, wang, project, NOV, 3) + attended(community, li, project, SEP, 2)
    points_services.approve(community=community, attendance_ids=ids, by=staff)
    return {"wang": wang, "li": li, "staff": staff, "project": project, "ids": ids}


def month(community, day):
    return MonthTally.objects.get(community=community, month=day.replace(day=1))


def test_an_approval_adds_to_the_month_the_quarter_and_the_member(community, scene):
    assert (month(community, NOV).earned, month(community, NOV).redeemed) == (6, 0)
    assert month(community, SEP).earned == 4
    wang = scene["wang"]
    q4 = AccountTally.objects.get(account__household=wang.household, quarter="2026-10-01")
    assert q4.earned == 6
    member = MemberTally.objects.get(member=wang, quarter="2026-10-01")
    assert (member.base, member.value_added) == (0, 6)
    assert tallies.mismatches() == dict.fromkeys(tallies.mismatches(), 0)


def test_undoing_an_approval_takes_the_points_back_off_the_totals(community, scene):
    from volunteering.models import Attendance

    points_services.undo_approval(
        attendance=Attendance.objects.get(pk=scene["ids"][0]), reason="记错了", by=scene["staff"]
    )
    assert month(community, NOV).earned == 4
    tally = AccountTally.objects.get(account__household=scene["wang"].household)
    assert tally.earned == 4
    assert set(tallies.mismatches().values()) == {0}


def test_a_redemption_counts_as_redeemed_and_its_cancellation_gives_it_back(community, scene):
    household = scene["wang"].household
    _round, (item,) = open_round_with(community, by=scene["staff"])
    give_points(household, 20, by=scene["staff"])  # an adjustment: neither earned nor redeemed
    redemption = redemption_services.redeem(
        community=community,
        household=household,
        quantities={item.pk: 1},
        submission_key=uuid.uuid4(),
        by=scene["staff"],
    )
    today = redemption.created_at.astimezone().date()
    assert month(community, today).redeemed == redemption.points
    redemption_services.cancel(redemption=redemption, reason="拿错了", by=scene["staff"])
    assert month(community, today).redeemed == 0
    assert month(community, NOV).earned == 6  # the adjustment earned nothing
    assert set(tallies.mismatches().values()) == {0}


def test_the_standings_and_the_dashboard_read_the_totals(community, scene):
    result = standings(community=community, period=quarter_of(NOV))
    assert [(row.household, row.points) for row in result.households] == [
        (scene["wang"].household, 6)
    ]
    year = standings(community=community, period=quarter_of(NOV).whole_year)
    assert [row.points for row in year.households] == [6, 4]
    assert [row.total for row in year.members] == [6, 4]
    figures = dashboard_points(communities=[community.pk], quarter=quarter_of(NOV))
    value = figures[community.pk]
    assert (value.quarter.earned, value.year.earned, value.year.redeemed) == (6, 10, 0)


def test_reconcile_finds_a_total_that_went_round_the_trigger(community, scene):
    with connection.cursor() as cursor:
        # Only a superuser switching triggers off can do this: the kind of damage to detect.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "UPDATE points_monthtally SET earned = earned + 1 WHERE month = %s",
            [NOV.replace(day=1)],
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    err = StringIO()
    with pytest.raises(CommandError, match="points_monthtally 1 行不符"):
        call_command("reconcile_ledger", stderr=err)
    tallies.rebuild()
    out = StringIO()
    call_command("reconcile_ledger", stdout=out)
    assert "积分合计（月度、户季度、成员季度）：全部相符" in out.getvalue()
