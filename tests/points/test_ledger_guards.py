"""The ledger's guarantees hold in PostgreSQL, whatever the caller does."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from points import services
from points.models import Account, LedgerEntry
from tests.factories import HouseholdFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import AttendanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(community):
    household = HouseholdFactory(community=community)
    return services.adjust(household=household, amount=10, reason="纸质存折转入", by=UserFactory())


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_an_entry_cannot_be_updated_even_in_raw_sql(entry):
    with pytest.raises(DatabaseError, match="insert-only"):
        raw("UPDATE points_ledgerentry SET amount = 1000 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(reason="改过")


def test_an_entry_cannot_be_deleted_or_truncated(entry):
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with (
        pytest.raises(DatabaseError, match="insert-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        # As on a real database (the test database allows TRUNCATE for its own cleanup).
        cursor.execute("SET LOCAL passbook.allow_truncate = off")
        cursor.execute("TRUNCATE points_ledgerentry CASCADE")
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_a_balance_cannot_be_changed_without_an_entry(entry):
    with pytest.raises(DatabaseError, match="only by posting"), transaction.atomic():
        Account.objects.filter(pk=entry.account_id).update(balance=999)
    assert Account.objects.get(pk=entry.account_id).balance == 10


def test_an_entry_must_carry_the_balance_it_leaves(entry):
    with pytest.raises(DatabaseError, match="does not match"):
        raw(
            "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, "
            "balance_after, stream, calculation, reason, occurred_on, created_by_id, created_at)"
            " VALUES (%s, %s, 'adjust', 5, 999, 'value_added', '', '改', now(), %s, now())",
            [entry.community_id, entry.account_id, entry.created_by_id],
        )


def test_a_balance_never_goes_below_zero(entry):
    with pytest.raises(DatabaseError):
        raw(
            "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, "
            "balance_after, stream, calculation, reason, occurred_on, created_by_id, created_at)"
            " VALUES (%s, %s, 'adjust', -11, -1, 'value_added', '', '改', now(), %s, now())",
            [entry.community_id, entry.account_id, entry.created_by_id],
        )
    assert Account.objects.get(pk=entry.account_id).balance == 10


def test_a_reversal_must_undo_exactly_its_entry(entry):
    with pytest.raises(DatabaseError, match="undo exactly"):
        raw(
            "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, "
            "balance_after, stream, calculation, reason, occurred_on, created_by_id, created_at,"
            " reverses_id) VALUES (%s, %s, 'reverse', -3, 7, 'value_added', '', '冲', now(), %s,"
            " now(), %s)",
            [entry.community_id, entry.account_id, entry.created_by_id, entry.pk],
        )


def test_an_attendance_earns_at_most_once_even_bypassing_the_service(community):
    PointRuleFactory(community=community)
    attendance = AttendanceFactory(activity__project__community=community)
    services.approve(community=community, attendance_ids=[attendance.pk], by=UserFactory())
    earned = LedgerEntry.objects.get()
    with pytest.raises(DatabaseError):
        raw(
            "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, "
            "balance_after, stream, calculation, reason, occurred_on, created_by_id, created_at,"
            " attendance_id) VALUES (%s, %s, 'earn', 1, 2, 'value_added', '', '', now(), %s,"
            " now(), %s)",
            [community.pk, earned.account_id, earned.created_by_id, attendance.pk],
        )


def test_an_entry_cannot_land_in_another_communitys_account(entry, other_community):
    with pytest.raises(DatabaseError):
        raw(
            "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, "
            "balance_after, stream, calculation, reason, occurred_on, created_by_id, created_at)"
            " VALUES (%s, %s, 'adjust', 5, 15, 'value_added', '', '改', now(), %s, now())",
            [other_community.pk, entry.account_id, entry.created_by_id],
        )


def test_reconcile_ledger_passes_when_balances_match(entry):
    out = StringIO()
    call_command("reconcile_ledger", stdout=out)
    assert "核对 1 个存折、1 条明细：0 个不符" in out.getvalue()


def test_reconcile_ledger_fails_and_names_the_passbook_that_differs(entry):
    with connection.cursor() as cursor:
        # Only a superuser switching triggers off can do this: the kind of damage to detect.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE points_account SET balance = 7 WHERE id = %s", [entry.account_id])
        cursor.execute("SET session_replication_role = DEFAULT")
    err = StringIO()
    with pytest.raises(CommandError, match="1 个不符"):
        call_command("reconcile_ledger", stderr=err)
    assert entry.account.household.passbook_number in err.getvalue()
    assert "差 -3" in err.getvalue()


@pytest.mark.parametrize("model", ["pointrule", "account", "ledgerentry"])
def test_the_django_admin_lists_points_models_and_cannot_edit_the_ledger(
    admin_client, entry, model
):
    from django.urls import reverse

    assert admin_client.get(reverse(f"admin:points_{model}_changelist")).status_code == 200
    if model == "ledgerentry":
        url = reverse("admin:points_ledgerentry_change", args=[entry.pk])
        assert admin_client.post(url, {"amount": 999}).status_code == 403
