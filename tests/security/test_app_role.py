"""The application's database role cannot get round the ledger's guards (issue 15, item 4).

A role made by the real `setup_app_role` connects to the test database on its own
connection and tries every way round that was found or that we could think of: each is
refused and no protected row changes. Where a refusal rests on a missing privilege, a
second test gives that privilege by mistake and shows the guard behind it still holds.
The data is committed once for the module (the role's connection sees only committed rows)
and the tests' own Django connection is not used, so no test transaction holds a lock the
role's statements would wait on.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors, sql

from points.models import Account, LedgerEntry
from redemption import services as redemption_services
from residents.app_role import AppRoleError, app_role_problems, grant_app_role, setup_app_role
from residents.models import ExportRecord, PhoneReveal
from tests.factories import CommunityFactory, HouseholdFactory, UserFactory
from tests.redemption.factories import give_points, open_round_with
from tests.security.roles import app_role, connect, connection_params

PROTECTED = [
    "points_account",
    "points_accounttally",
    "points_ledgerentry",
    "points_membertally",
    "points_monthtally",
    "redemption_redemption",
    "redemption_redemptionline",
    "redemption_cancellation",
    "residents_auditevent",
    "residents_exportrecord",
    "residents_phonereveal",
]


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def role(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    assert connection.settings_dict["NAME"].startswith("test_"), "only on a test database"
    with django_db_blocker.unblock(), app_role() as made:
        yield made


@pytest.fixture(scope="module")
def books(role, django_db_blocker) -> Iterator[dict]:
    """Committed: a passbook with 100 points, a redemption, a cancelled one, audit events,
    an export record and a phone shown in full. Emptied again (as the owner) after the module."""
    with django_db_blocker.unblock():
        clerk = UserFactory()
        community = CommunityFactory(slug=f"approle-{uuid.uuid4().hex[:8]}")
        household = HouseholdFactory(community=community)
        give_points(household, 100, by=clerk)
        round_, (item,) = open_round_with(community, by=clerk)
        kept, cancelled = (
            redemption_services.redeem(
                community=community,
                household=household,
                quantities={item.pk: 1},
                submission_key=uuid.uuid4(),
                by=clerk,
            )
            for _ in range(2)
        )
        redemption_services.cancel(redemption=cancelled, reason="拿错了", by=clerk)
        ExportRecord.objects.create(
            community=community, user=clerk, what="households", file_format="csv", rows=1
        )
        PhoneReveal.objects.create(community=community, household=household, user=clerk)
        account = Account.objects.get(household=household)
        yield {
            "account": account.pk,
            "entry": LedgerEntry.objects.filter(account=account).order_by("pk").first().pk,
            "redemption": kept.pk,
            "cancelled": cancelled.pk,
            "household": household.pk,
            "clerk": clerk.pk,
            "community": community.pk,
        }
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def owner(role) -> Iterator[psycopg.Connection]:
    with connect(**connection_params()) as conn:
        yield conn


@pytest.fixture
def app(role, books) -> Iterator[psycopg.Connection]:
    """A connection as the application's role; afterwards the role is as setup left it."""
    name, password = role
    with connect(**connection_params(user=name, password=password)) as conn:
        yield conn
    assert app_role_problems(name=name) == []


def snapshot(owner: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """Every protected table's rows, whole: (count, digest of all of them)."""
    taken = {}
    for table in PROTECTED:
        query = sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {} t"
        ).format(sql.Identifier(table))
        taken[table] = owner.execute(query).fetchone()
    return taken


def guards(owner: psycopg.Connection) -> list[tuple]:
    """Every trigger and trigger function we wrote, as the catalogue has it."""
    return owner.execute(
        "SELECT t.tgrelid::regclass::text, t.tgname, t.tgenabled, p.proname, p.prosecdef,"
        " p.proconfig, md5(p.prosrc) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
        " WHERE NOT t.tgisinternal ORDER BY 1, 2"
    ).fetchall()


def balance(owner: psycopg.Connection, account: int) -> int:
    return owner.execute("SELECT balance FROM points_account WHERE id = %s", [account]).fetchone()[
        0
    ]


def refused(app: psycopg.Connection, *statements: str, error=errors.InsufficientPrivilege):
    """The statements, run in one transaction as the application's role, are refused."""
    with pytest.raises(error), app.transaction():
        for statement in statements:
            app.execute(statement)


@contextlib.contextmanager
def mistakenly_granted(owner: psycopg.Connection, role: str, grant: str) -> Iterator[None]:
    """The role given something it should not have (committed, so its own connection
    sees it), for the length of the block."""
    revoke = grant.replace("GRANT", "REVOKE", 1).replace(" TO ", " FROM ")
    owner.execute(sql.SQL(grant).format(role=sql.Identifier(role)))
    try:
        yield
    finally:
        owner.execute(sql.SQL(revoke).format(role=sql.Identifier(role)))


def temporary() -> str:
    """Temporary tables (PUBLIC's by default, taken away by setup_app_role)."""
    database = connection.settings_dict["NAME"].replace('"', '""')
    return f'GRANT TEMPORARY ON DATABASE "{database}" TO {{role}}'


BUMP = """
CREATE TEMP TABLE sneak (id int);
CREATE FUNCTION pg_temp.bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE public.points_account SET balance = balance + 1000 WHERE id = {account};
    RETURN NEW;
END $$;
CREATE TRIGGER bump AFTER INSERT ON sneak FOR EACH ROW EXECUTE FUNCTION pg_temp.bump();
"""


def test_the_role_logs_in_owns_nothing_and_has_no_special_attributes(role, owner):
    name, _password = role
    row = owner.execute(
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,"
        " (SELECT count(*) FROM pg_shdepend WHERE refobjid = r.oid AND deptype = 'o'),"
        " (SELECT count(*) FROM pg_auth_members WHERE member = r.oid)"
        " FROM pg_roles r WHERE rolname = %s",
        [name],
    ).fetchone()
    assert row == (True, False, False, False, False, False, 0, 0)
    assert app_role_problems(name=name) == []


def test_setup_again_changes_nothing_and_takes_away_what_it_did_not_give(role):
    """Run inside this test's transaction, so nothing here outlives it."""
    name = role[0]

    def privileges() -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, relacl::text FROM pg_class WHERE relacl::text LIKE %s ORDER BY 1",
                [f"%{name}=%"],
            )
            return cursor.fetchall()

    before = privileges()
    report = setup_app_role(name=name)
    assert (report.created, report.password) == (False, None)
    assert privileges() == before

    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(name))
        )
    assert any("TRUNCATE" in problem for problem in app_role_problems(name=name))
    grant_app_role(name=name)
    assert privileges() == before
    assert app_role_problems(name=name) == []


def test_the_command_makes_a_role_shows_its_password_once_and_refuses_the_owner(owner):
    """Inside this test's transaction (CREATE ROLE is rolled back with it)."""
    name = f"approle_test_{uuid.uuid4().hex[:10]}"
    out = StringIO()
    call_command("setup_app_role", name, stdout=out)
    assert f"已创建角色 {name}" in out.getvalue()
    assert "随机生成的密码" in out.getvalue()
    out = StringIO()
    call_command("setup_app_role", name, stdout=out)
    assert f"已更新角色 {name}" in out.getvalue()
    assert "密码" not in out.getvalue()
    assert app_role_problems(name=name) == []

    me = owner.execute("SELECT current_user").fetchone()[0]
    with pytest.raises(CommandError, match="正在运行本命令的角色"):
        call_command("setup_app_role", me)
    with pytest.raises(AppRoleError, match="正在运行本命令的角色"):
        setup_app_role(name=me)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE points_account SET balance = 1000",
        "UPDATE points_account SET household_id = household_id",
        "DELETE FROM points_account",
        "UPDATE points_ledgerentry SET amount = amount + 1000",
        "DELETE FROM points_ledgerentry",
        "TRUNCATE points_ledgerentry CASCADE",
        # The running totals the ledger's trigger keeps: read only.
        "UPDATE points_monthtally SET earned = earned + 1000",
        "INSERT INTO points_monthtally (community_id, month, earned, redeemed)"
        " SELECT community_id, month + 1, 1000, 0 FROM points_monthtally",
        "DELETE FROM points_monthtally",
        "UPDATE points_accounttally SET earned = earned + 1000",
        "DELETE FROM points_accounttally",
        "UPDATE points_membertally SET base = base + 1000",
        "DELETE FROM points_membertally",
        "UPDATE redemption_redemption SET points = 1",
        "UPDATE redemption_redemption SET cancelled_at = NULL, cancelled_by_id = NULL,"
        " cancel_reason = '', reversal_id = NULL",
        "DELETE FROM redemption_redemption",
        "TRUNCATE redemption_redemption CASCADE",
        "UPDATE redemption_redemptionline SET quantity = 1",
        "DELETE FROM redemption_redemptionline",
        "UPDATE redemption_cancellation SET reason = '改'",
        "DELETE FROM redemption_cancellation",
        "UPDATE residents_auditevent SET action = 'update'",
        "DELETE FROM residents_auditevent",
        "TRUNCATE residents_auditevent",
        'INSERT INTO residents_auditevent ("table", object_id, action, at)'
        " VALUES ('residents_household', 1, 'delete', now())",
        "UPDATE residents_exportrecord SET rows = 0",
        "DELETE FROM residents_exportrecord",
        "UPDATE accounts_accountevent SET action = 'created'",
        "DELETE FROM accounts_accountevent",
        "UPDATE residents_phonereveal SET member_id = NULL, at = now()",
        "DELETE FROM residents_phonereveal",
        # A table it may write, but not empty: CASCADE would reach the ledger.
        "TRUNCATE residents_household CASCADE",
    ],
)
def test_protected_rows_cannot_be_changed_directly(app, owner, statement):
    before = snapshot(owner)
    refused(app, statement)
    assert snapshot(owner) == before


def test_an_account_it_opens_starts_at_zero(app, owner, books):
    before = snapshot(owner)
    refused(
        app,
        "INSERT INTO points_account (community_id, household_id, balance, updated_at)"
        f" VALUES ({books['community']}, {books['household']}, 1000, now())",
        error=errors.CheckViolation,
    )
    assert snapshot(owner) == before


def test_the_truncate_setting_opens_nothing_for_the_role(app, owner):
    before = snapshot(owner)
    for table in ("points_ledgerentry", "residents_household", "residents_community"):
        refused(app, "SET LOCAL passbook.allow_truncate = on", f"TRUNCATE {table} CASCADE")
    assert snapshot(owner) == before


def test_given_truncate_by_mistake_the_ledger_still_refuses_it(role, app, owner):
    """The escape hatch is the owner's: the setting, which any role may set, is not enough."""
    before = snapshot(owner)
    with mistakenly_granted(
        owner, role[0], "GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {role}"
    ):
        assert (
            app.execute("SHOW passbook.allow_truncate").fetchone()[0] == "on"
        )  # the test database's
        refused(app, "TRUNCATE points_ledgerentry CASCADE", error=errors.RestrictViolation)
    assert snapshot(owner) == before


@pytest.mark.parametrize(
    "statements",
    [
        ["SET session_replication_role = replica"],
        ["SET LOCAL session_replication_role = replica"],
        ["ALTER TABLE points_ledgerentry DISABLE TRIGGER ALL"],
        ["ALTER TABLE points_ledgerentry DISABLE TRIGGER points_ledger_insert_only"],
        ["ALTER TABLE points_account DISABLE TRIGGER points_account_balance_guard"],
        ["ALTER TABLE residents_household DISABLE TRIGGER residents_household_audit"],
        ["DROP TRIGGER points_ledger_insert_only ON points_ledgerentry"],
        ["ALTER TABLE points_account DROP CONSTRAINT points_account_balance_not_negative"],
        ["ALTER FUNCTION points_ledger_post() SECURITY INVOKER"],
        ["ALTER FUNCTION points_ledger_post() RESET search_path"],
        ["ALTER FUNCTION points_ledger_refuse_change() RENAME TO gone"],
        ["DROP FUNCTION points_ledger_refuse_change() CASCADE"],
        ["DROP FUNCTION passbook_audit() CASCADE"],
        [
            "CREATE OR REPLACE FUNCTION points_account_balance_by_entries_only() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        ],
        ["SELECT points_ledger_post()"],
        ["ALTER ROLE CURRENT_USER SUPERUSER"],
        ["ALTER ROLE CURRENT_USER BYPASSRLS"],
    ],
    ids=lambda statements: statements[0][:60],
)
def test_the_guards_cannot_be_switched_off(app, owner, statements):
    before = snapshot(owner), guards(owner)
    refused(app, *statements)
    assert (snapshot(owner), guards(owner)) == before


def test_the_role_cannot_become_the_owner_or_change_the_database(app, owner):
    me = sql.Identifier(owner.execute("SELECT current_user").fetchone()[0])
    database = sql.Identifier(connection.settings_dict["NAME"])
    for statement in (
        sql.SQL("SET ROLE {}").format(me),
        sql.SQL("SET SESSION AUTHORIZATION {}").format(me),
        sql.SQL("ALTER DATABASE {} SET passbook.allow_truncate = on").format(database),
        sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(database),
    ):
        refused(app, statement)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TEMP TABLE sneak (id int)",
        "CREATE TABLE public.sneak (id int)",
        "CREATE FUNCTION public.sneak() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE VIEW public.sneak AS SELECT 1",
        "CREATE SCHEMA sneak",
    ],
)
def test_the_role_creates_nothing(app, statement):
    refused(app, statement)


def test_a_trigger_on_a_temporary_table_moves_no_balance(role, app, owner, books):
    """The way round that was found: refused at the first step now (no temporary tables),
    and at the next ones were temporary tables given by mistake."""
    before = snapshot(owner)
    refused(app, "CREATE TEMP TABLE sneak (id int)")
    with mistakenly_granted(owner, role[0], temporary()):
        app.execute(BUMP.format(account=books["account"]))
        refused(app, "INSERT INTO sneak VALUES (1)")
        # Nor can the owner's functions be borrowed for a table of its own.
        for function in ("points_ledger_post()", "passbook_audit()"):
            refused(
                app,
                "CREATE TRIGGER borrowed BEFORE INSERT ON sneak FOR EACH ROW "
                f"EXECUTE FUNCTION public.{function}",
            )
        app.execute("DISCARD TEMP")
    assert snapshot(owner) == before


def test_given_update_on_balances_by_mistake_only_an_entry_moves_one(role, app, owner, books):
    """The balance guard itself: a trigger on a temporary table runs one level down as the
    ledger's does, but not as the owner."""
    account = books["account"]
    before = snapshot(owner)
    with (
        mistakenly_granted(owner, role[0], temporary()),
        mistakenly_granted(owner, role[0], "GRANT UPDATE ON points_account TO {role}"),
    ):
        refused(
            app,
            f"UPDATE points_account SET balance = 1000 WHERE id = {account}",
            error=errors.RestrictViolation,
        )
        app.execute(BUMP.format(account=account))
        refused(app, "INSERT INTO sneak VALUES (1)", error=errors.RestrictViolation)
        app.execute("DISCARD TEMP")
    assert snapshot(owner) == before


def test_the_role_posts_entries_and_the_real_balance_moves(role, app, owner, books):
    """What it may do: append an entry carrying the balance it leaves. A temporary table
    named like the accounts does not stand in for them in the owner's trigger."""
    account = books["account"]
    start = balance(owner, account)
    insert = (
        "INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, balance_after,"
        " stream, calculation, reason, occurred_on, created_by_id, created_at)"
        " VALUES (%s, %s, 'adjust', 5, %s, 'value_added', '', '测试', now(), %s, now())"
    )
    with mistakenly_granted(owner, role[0], temporary()):
        app.execute(
            "CREATE TEMP TABLE points_account (id bigint, balance int, updated_at timestamptz)"
        )
        app.execute("INSERT INTO points_account VALUES (%s, 0, now())", [account])
        app.execute(insert, [books["community"], account, start + 5, books["clerk"]])
        app.execute("DISCARD TEMP")
    assert balance(owner, account) == start + 5

    with pytest.raises(errors.CheckViolation), app.transaction():
        app.execute(insert, [books["community"], account, start + 999, books["clerk"]])
    assert balance(owner, account) == start + 5


def test_a_cancellation_cannot_be_forged(app, owner, books):
    """Cancelling is inserting a Cancellation, whose trigger (as the owner) marks the
    redemption: not twice, and only with the entry that reverses the redemption's own."""
    before = snapshot(owner)
    insert = (
        "INSERT INTO redemption_cancellation (community_id, redemption_id, reversal_id, reason,"
        " by_id, at) VALUES (%s, %s, %s, '假', %s, now())"
    )
    reversal = owner.execute(
        "SELECT reversal_id FROM redemption_redemption WHERE id = %s", [books["cancelled"]]
    ).fetchone()[0]
    for redemption, entry in (
        (books["cancelled"], books["entry"]),  # a second time
        (books["redemption"], books["entry"]),  # "reversed" by an adjustment
        (books["redemption"], reversal),  # by another redemption's reversal
    ):
        with pytest.raises(psycopg.IntegrityError), app.transaction():
            app.execute(insert, [books["community"], redemption, entry, books["clerk"]])
            app.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert snapshot(owner) == before


def test_the_role_names_the_actor_and_reads_the_trail(app):
    app.execute("SELECT set_config('passbook.actor', '1', false)")
    assert app.execute("SELECT count(*) FROM residents_auditevent").fetchone()[0] > 0


def test_migrate_grants_the_role_its_tables_when_the_setting_names_it(role, settings):
    """Inside this test's transaction, so nothing here outlives it."""
    name = role[0]

    def can_insert() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT has_table_privilege(%s, 'residents_household', 'INSERT')", [name]
            )
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("REVOKE ALL ON residents_household FROM {}").format(sql.Identifier(name))
        )
    assert not can_insert()
    call_command("migrate", verbosity=0)
    assert not can_insert()  # the setting is unset
    settings.DATABASE_APP_ROLE = name
    call_command("migrate", verbosity=0)
    assert can_insert()
