"""Party accounts: approved service earns value-added points, duties base points, apart
from the household passbook; undoing reverses; the ledger holds in PostgreSQL itself."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from party import services
from party.models import PartyAccount, PartyEntry
from points import services as points_services
from points.models import Account, LedgerEntry, PassbookPolicy
from tests.factories import HouseholdFactory, MemberFactory, NonResidentFactory, UserFactory
from tests.party.helpers import D, party_setup
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory()


@pytest.fixture
def setup(community):
    return party_setup(community)


@pytest.fixture
def zheng(community):
    return MemberFactory(
        household=HouseholdFactory(community=community),
        name="郑兴友",
        is_party_member=True,
        is_in_service_party_member=True,
    )


DAY = D(2026, 11, 3)


def attend(member, project, day=DAY):
    activity = ActivityFactory(project=project, date=day)
    return AttendanceFactory(activity=activity, member=member)


def party_balance(member) -> int:
    return PartyAccount.objects.get(member=member).balance


def test_approved_service_earns_value_added_party_points_and_household_points(
    community, setup, zheng, staff
):
    record = attend(zheng, setup.service)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    entry = PartyEntry.objects.get(attendance=record)
    assert (entry.kind, entry.duty, entry.amount, entry.balance_after) == ("value_added", "", 1, 1)
    assert party_balance(zheng) == 1
    assert Account.objects.get(household=zheng.household).balance == 1


def test_a_dues_record_earns_base_points_and_changes_no_household_balance_by_default(
    community, setup, zheng, staff
):
    record = attend(zheng, setup.dues)
    result = points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    assert result.base_withheld == [record] and result.entries == []
    assert not LedgerEntry.objects.exists()
    entry = PartyEntry.objects.get(attendance=record)
    assert (entry.kind, entry.duty, entry.amount) == ("base", "dues", 2)


def test_a_community_may_let_base_points_into_household_passbooks(community, setup, zheng, staff):
    points_services.set_passbook_policy(community=community, base_points_to_passbook=True, by=staff)
    record = attend(zheng, setup.meeting)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    assert Account.objects.get(household=zheng.household).balance == 2
    assert LedgerEntry.objects.get().stream == "base"
    assert party_balance(zheng) == 2


def test_residents_who_are_not_party_members_get_no_party_account(community, setup, staff):
    record = attend(MemberFactory(household=HouseholdFactory(community=community)), setup.service)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    assert not PartyAccount.objects.exists()
    assert LedgerEntry.objects.count() == 1


def test_a_reported_non_resident_earns_party_points_only(community, setup, staff):
    visitor = NonResidentFactory(community=community)
    record = attend(visitor, setup.service)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    assert party_balance(visitor) == 1
    assert not LedgerEntry.objects.exists()


def test_undoing_an_approval_reverses_the_party_entry_and_nothing_is_deleted(
    community, setup, zheng, staff
):
    record = attend(zheng, setup.service)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    points_services.undo_approval(attendance=record, reason="登记错了人", by=staff)
    earned, reversal = PartyEntry.objects.order_by("pk")
    assert reversal.reverses == earned and reversal.amount == -1 and reversal.balance_after == 0
    assert "登记错了人" in reversal.reason
    assert party_balance(zheng) == 0


def test_approving_twice_earns_once(community, setup, zheng, staff):
    record = attend(zheng, setup.service)
    for _ in range(2):
        points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    assert PartyEntry.objects.count() == 1 and party_balance(zheng) == 1


def run_sql(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_entries_cannot_be_changed_or_deleted_and_balances_move_only_by_entries(
    community, setup, zheng, staff
):
    record = attend(zheng, setup.service)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    entry = PartyEntry.objects.get()
    with pytest.raises(DatabaseError):
        run_sql("UPDATE party_partyentry SET amount = 50 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError):
        run_sql("DELETE FROM party_partyentry WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError):
        run_sql("UPDATE party_partyaccount SET balance = 99 WHERE id = %s", [entry.account_id])
    with pytest.raises(IntegrityError):  # a second earning for the same record
        run_sql(
            "INSERT INTO party_partyentry (community_id, account_id, kind, duty, amount,"
            " balance_after, attendance_id, activity_id, calculation, reason, occurred_on,"
            " created_by_id, created_at) VALUES (%s, %s, 'value_added', '', 1, 2, %s, %s, '',"
            " '', '2026-11-03', %s, now())",
            [community.pk, entry.account_id, record.pk, record.activity_id, staff.pk],
        )
    assert party_balance(zheng) == 1


def test_reconcile_ledger_checks_party_accounts(community, setup, zheng, staff):
    record = attend(zheng, setup.service)
    points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
    out = StringIO()
    call_command("reconcile_ledger", stdout=out)
    assert "核对 1 个党员积分账户、1 条明细：0 个不符。" in out.getvalue()


def test_a_roll_call_approves_everybody_ticked_and_refuses_a_second_dues_in_a_month(
    community, setup, zheng, staff
):
    li = MemberFactory(household=HouseholdFactory(community=community), is_party_member=True)
    visitor = NonResidentFactory(community=community)
    key = uuid.uuid4()
    activity, created = services.record_roll_call(
        community=community,
        project=setup.dues,
        on=D(2026, 11, 5),
        present=[zheng.pk, li.pk, visitor.pk],
        submission_key=key,
        by=staff,
    )
    assert created and activity.title == "按时交纳党费（2026年11月）"
    assert set(activity.attendances.values_list("status", flat=True)) == {"approved"}
    assert PartyEntry.objects.filter(kind="base", duty="dues").count() == 3
    again, created = services.record_roll_call(
        community=community,
        project=setup.dues,
        on=D(2026, 11, 5),
        present=[zheng.pk],
        submission_key=key,
        by=staff,
    )
    assert again == activity and not created  # the same form saved twice
    with pytest.raises(Exception, match="郑兴友 本月的党费已经登记过了"):
        services.record_roll_call(
            community=community,
            project=setup.dues,
            on=D(2026, 11, 20),
            present=[zheng.pk],
            submission_key=uuid.uuid4(),
            by=staff,
        )
    assert not LedgerEntry.objects.exists()


def test_a_roll_call_takes_only_party_members_and_only_a_duty(community, setup, staff):
    resident = MemberFactory(household=HouseholdFactory(community=community))
    for project, present in ((setup.meeting, [resident.pk]), (setup.service, [])):
        with pytest.raises(Exception):  # noqa: B017 - the messages are the pages' tests
            services.record_roll_call(
                community=community,
                project=project,
                on=D(2026, 11, 5),
                present=present,
                submission_key=uuid.uuid4(),
                by=staff,
            )
    assert not PartyEntry.objects.exists()


def test_the_policy_is_off_without_a_row(community):
    assert PassbookPolicy.base_points_allowed(community) is False
