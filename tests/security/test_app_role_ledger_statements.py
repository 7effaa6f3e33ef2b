"""The ledger's guarantees hold per entry when the balance moves once per statement
(points/0008: a statement-level trigger with a transition table), tried as the
application's own database role, going around the models with raw multi-row INSERTs.

The data is committed once for the module (the role's connection sees only committed rows)
and emptied again afterwards, as in test_app_role.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.core.management import call_command
from psycopg import errors

from points.models import Account, LedgerEntry
from tests.factories import CommunityFactory, HouseholdFactory, UserFactory
from tests.redemption.factories import give_points
from tests.security.roles import app_role, connect, connection_params
from tests.security.test_app_role import mistakenly_granted, snapshot

pytestmark = pytest.mark.django_db

INSERT = (
    "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, balance_after,"
    " stream, calculation, reason, occurred_on, created_by_id, created_at, reverses_id)"
    " VALUES {}"
)
ROW = "(%s, %s, %s, %s, %s, 'value_added', '', '测试', now(), %s, now(), %s)"


@pytest.fixture(scope="module")
def role(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    with django_db_blocker.unblock(), app_role() as made:
        yield made


@pytest.fixture(scope="module")
def books(role, django_db_blocker) -> Iterator[dict]:
    """Committed: two passbooks of one community with 100 and 20 points."""
    with django_db_blocker.unblock():
        clerk = UserFactory()
        community = CommunityFactory(slug=f"stmt-{uuid.uuid4().hex[:8]}")
        first, second = HouseholdFactory(community=community), HouseholdFactory(community=community)
        give_points(first, 100, by=clerk)
        give_points(second, 20, by=clerk)
        yield {
            "community": community.pk,
            "clerk": clerk.pk,
            "first": Account.objects.get(household=first).pk,
            "second": Account.objects.get(household=second).pk,
            "entry": LedgerEntry.objects.filter(account__household=first).get().pk,
        }
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def owner(role) -> Iterator[psycopg.Connection]:
    with connect(**connection_params()) as conn:
        yield conn


@pytest.fixture
def app(role, books) -> Iterator[psycopg.Connection]:
    name, password = role
    with connect(**connection_params(user=name, password=password)) as conn:
        yield conn


def balances(owner, books) -> tuple[int, int]:
    rows = dict(
        owner.execute(
            "SELECT id, balance FROM points_account WHERE id IN (%s, %s)",
            [books["first"], books["second"]],
        ).fetchall()
    )
    return rows[books["first"]], rows[books["second"]]


def post(app, books, *entries: tuple) -> None:
    """One INSERT of (account key, kind, amount, balance_after[, reverses]) rows."""
    params = []
    for account, kind, amount, after, *reverses in entries:
        params += [books["community"], books[account], kind, amount, after, books["clerk"]]
        params.append(reverses[0] if reverses else None)
    app.execute(INSERT.format(", ".join([ROW] * len(entries))), params)


def test_one_statement_of_entries_on_two_passbooks_moves_each_balance_by_its_own(app, owner, books):
    one, two = balances(owner, books)
    post(
        app,
        books,
        ("first", "adjust", 5, one + 5),
        ("second", "adjust", -3, two - 3),
        ("first", "adjust", -7, one - 2),
        ("first", "adjust", 4, one + 2),
    )
    assert balances(owner, books) == (one + 2, two - 3)
    posted = owner.execute(
        "SELECT amount, balance_after FROM points_ledgerentry WHERE account_id = %s"
        " ORDER BY id DESC LIMIT 3",
        [books["first"]],
    ).fetchall()
    assert posted == [(4, one + 2), (-7, one - 2), (5, one + 5)]


def test_every_entry_of_a_statement_must_carry_its_own_running_balance(app, owner, books):
    """The last entry is right about the final balance, the middle one is not."""
    before = snapshot(owner)
    one, _ = balances(owner, books)
    with pytest.raises(errors.CheckViolation, match="does not match"):
        post(
            app,
            books,
            ("first", "adjust", 5, one + 5),
            ("first", "adjust", 5, one + 5),
            ("first", "adjust", 5, one + 15),
        )
    assert snapshot(owner) == before


def test_a_balance_cannot_dip_below_zero_inside_one_statement(app, owner, books):
    before = snapshot(owner)
    _, two = balances(owner, books)
    with pytest.raises(errors.CheckViolation):
        post(
            app,
            books,
            ("second", "adjust", -(two + 1), -1),
            ("second", "adjust", 10, 9),
        )
    assert snapshot(owner) == before


def test_a_reversal_among_other_entries_must_undo_exactly_its_entry(app, owner, books):
    before = snapshot(owner)
    one, two = balances(owner, books)
    with pytest.raises(errors.CheckViolation, match="undo exactly"):
        post(
            app,
            books,
            ("second", "adjust", 1, two + 1),
            ("first", "reverse", -99, one - 99, books["entry"]),
        )
    with pytest.raises(errors.CheckViolation, match="undo exactly"):
        post(
            app,
            books,
            ("second", "adjust", 100, two + 100),
            ("second", "reverse", -100, two, books["entry"]),  # the first passbook's entry
        )
    assert snapshot(owner) == before


def test_given_update_by_mistake_balances_swapped_in_one_statement_are_refused(
    role, app, owner, books
):
    """The statement-level balance guard looks at every row of the UPDATE: moving points
    from one passbook to another keeps the sum, and is refused all the same."""
    before = snapshot(owner)
    with mistakenly_granted(owner, role[0], "GRANT UPDATE ON points_account TO {role}"):
        with pytest.raises(errors.RestrictViolation, match="only by posting"):
            app.execute(
                "UPDATE points_account SET balance = CASE WHEN id = %s THEN balance - 1"
                " ELSE balance + 1 END WHERE id IN (%s, %s)",
                [books["first"], books["first"], books["second"]],
            )
        # Touching an account without changing its balance is no offence.
        app.execute(
            "UPDATE points_account SET updated_at = updated_at WHERE id = %s", [books["first"]]
        )
    assert snapshot(owner) == before
