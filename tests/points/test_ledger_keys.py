"""An entry's account, member, activity, attendance and rule are held by the database through
the composite same-community keys alone (points/0014 dropped the single-column ones): an
entry naming a row that does not exist, or another community's, is refused in raw SQL."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import CommunityFactory, MemberFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db

INSERT = (
    "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, balance_after,"
    " member_id, stream, attendance_id, activity_id, rule_id, calculation, reason,"
    " occurred_on, created_by_id, created_at)"
    " VALUES (%(community)s, %(account)s, 'adjust', 1, %(after)s, %(member)s, 'value_added',"
    " %(attendance)s, %(activity)s, %(rule)s, '', '测试', %(day)s, %(by)s, now())"
)


@pytest.fixture
def entry(community):
    member = MemberFactory(household__community=community)
    first = give_points(member.household, 5)
    other = CommunityFactory(slug="other-keys")
    stranger = MemberFactory(household__community=other)
    values = {
        "community": community.pk,
        "account": first.account_id,
        "after": 6,
        "member": member.pk,
        "attendance": None,
        "activity": None,
        "rule": None,
        "day": datetime.date(2026, 11, 20),
        "by": UserFactory().pk,
    }
    activity = ActivityFactory(project__community=other)
    return values, {
        "member": stranger.pk,
        "activity": activity.pk,
        "attendance": AttendanceFactory(member=stranger, activity=activity).pk,
        "rule": PointRuleFactory(community=other).pk,
        "account": give_points(stranger.household, 1).account_id,
    }


def post(values):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(INSERT, values)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_plausible_entry_goes_in(entry):
    values, _foreign = entry
    post(values)


@pytest.mark.parametrize("column", ["member", "activity", "attendance", "rule", "account"])
def test_an_entry_naming_a_row_that_does_not_exist_is_refused(entry, column):
    values, _foreign = entry
    with pytest.raises(IntegrityError):
        post({**values, column: 987_654_321})


@pytest.mark.parametrize("column", ["member", "activity", "attendance", "rule", "account"])
def test_an_entry_naming_another_communitys_row_is_refused(entry, column):
    values, foreign = entry
    with pytest.raises(IntegrityError):
        post({**values, column: foreign[column]})
