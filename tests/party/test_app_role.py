"""The party ledger holds against the application's own database role: entries are
insert-only, balances move only by entries, an entry must carry the balance it makes, and a
reversal must undo exactly its entry."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import errors

from party.models import PartyEntry
from points import services as points_services
from tests.factories import CommunityFactory, NonResidentFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.security.roles import app_role, connect, connection_params
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def books(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Committed: a reported party member whose approved service earned 1 party point."""
    assert connection.settings_dict["NAME"].startswith("test_"), "only on a test database"
    with django_db_blocker.unblock():
        staff = UserFactory()
        community = CommunityFactory(slug=f"partyrole-{uuid.uuid4().hex[:8]}")
        PointRuleFactory(community=community)
        member = NonResidentFactory(community=community, is_party_member=True)
        record = AttendanceFactory(
            activity=ActivityFactory(project__community=community), member=member
        )
        points_services.approve(community=community, attendance_ids=[record.pk], by=staff)
        entry = PartyEntry.objects.get(attendance=record)
        yield {
            "community": community.pk,
            "entry": entry.pk,
            "account": entry.account_id,
            "attendance": record.pk,
            "activity": record.activity_id,
            "staff": staff.pk,
        }
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def app(books, django_db_blocker) -> Iterator[psycopg.Connection]:
    with (
        django_db_blocker.unblock(),
        app_role() as (name, password),
        connect(**connection_params(user=name, password=password)) as conn,
    ):
        yield conn


def refused(app, statement: str, params: list, error) -> None:
    with pytest.raises(error), app.transaction():
        app.execute(statement, params)


def balance(app, books) -> int:
    return app.execute(
        "SELECT balance FROM party_partyaccount WHERE id = %s", [books["account"]]
    ).fetchone()[0]


INSERT = (
    "INSERT INTO party_partyentry (community_id, account_id, kind, duty, amount, balance_after,"
    " attendance_id, activity_id, calculation, reverses_id, reason, occurred_on, created_by_id,"
    " created_at) VALUES (%(community)s, %(account)s, 'value_added', '', %(amount)s, %(after)s,"
    " %(attendance)s, %(activity)s, '', %(reverses)s, %(reason)s, '2026-11-03', %(staff)s, now())"
)


def test_the_app_role_cannot_change_or_delete_entries_or_set_a_balance(app, books):
    refused(
        app,
        "UPDATE party_partyentry SET amount = 50 WHERE id = %s",
        [books["entry"]],
        errors.InsufficientPrivilege,
    )
    refused(
        app,
        "DELETE FROM party_partyentry WHERE id = %s",
        [books["entry"]],
        errors.InsufficientPrivilege,
    )
    refused(
        app,
        "UPDATE party_partyaccount SET balance = 99 WHERE id = %s",
        [books["account"]],
        errors.InsufficientPrivilege,
    )
    refused(app, "SELECT party_ledger_post()", [], errors.InsufficientPrivilege)
    assert balance(app, books) == 1


def test_an_entry_must_carry_the_balance_it_makes_and_a_reversal_undo_its_entry(app, books):
    base = {**books, "reverses": None, "reason": ""}
    refused(app, INSERT, {**base, "amount": 5, "after": 99}, errors.CheckViolation)
    refused(
        app,
        INSERT,
        {**base, "amount": -2, "after": 0, "reverses": books["entry"], "reason": "错"},
        errors.CheckViolation,
    )
    with app.transaction(force_rollback=True):  # the one reversal that fits
        app.execute(
            INSERT, {**base, "amount": -1, "after": 0, "reverses": books["entry"], "reason": "撤销"}
        )
        assert balance(app, books) == 0
    assert balance(app, books) == 1
