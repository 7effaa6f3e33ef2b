from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from io import StringIO
from typing import TypeVar

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings

from residents.models import StaffMembership
from tests.factories import CommunityFactory, StaffMembershipFactory
from tests.reliability.report import Report


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Transactional tests empty every table with TRUNCATE between tests; the ledger refuses
    TRUNCATE unless the database allows it, which only this throw-away database does.

    Autovacuum is off for the test tables. Most tests write inside a transaction that is
    rolled back, so every table's committed content stays empty: autovacuum then analyzes
    the tables as empty, and a test that has just inserted thousands of rows (the demo
    seeding) is planned as if each table held one row — nested loops over thousands of
    rows, a few milliseconds turned into seconds per query and minutes per test. Never
    analyzed, PostgreSQL sizes a table by its pages instead, which is right here."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            name = connection.settings_dict["NAME"]
            cursor.execute(f'ALTER DATABASE "{name}" SET passbook.allow_truncate = on')
            cursor.execute(
                "SELECT format('ALTER TABLE %I.%I SET (autovacuum_enabled = off)', "
                "n.nspname, c.relname) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            )
            for (statement,) in cursor.fetchall():
                cursor.execute(statement)
        connection.close()  # new sessions pick the setting up


DEMO_HOUSEHOLDS = 60
T = TypeVar("T")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Whether the shared demo seeding (`seeded_demo`) is open: from then on, only tests that
# read it may run (pytest_collection_modifyitems puts them last).
_demo_seeding = {"open": False}


def pytest_collection_modifyitems(config, items):
    """The longest tests (marked `long`) run first, so that with two workers (config/dev.py
    test) neither is left running one of them alone at the end; the tests that read the
    shared demo seeding run last, after every other test, since the seeding stays until the
    session ends. Otherwise in their collected order."""
    items.sort(
        key=lambda item: (
            "seeded_demo" in getattr(item, "fixturenames", ()),
            item.get_closest_marker("long") is None,
        )
    )


def kept_seeding(django_db_blocker, seed: Callable[[], T]) -> Iterator[T]:
    """For a fixture wider than one test: runs `seed` in a transaction that stays open while
    the tests that read its rows run, each in a savepoint of its own (pytest-django's usual
    per-test rollback), yields what `seed` returned, then rolls the transaction back. Only
    for plain `django_db` tests: a transactional test would commit or empty the tables."""
    seeding = transaction.atomic()
    with django_db_blocker.unblock():
        seeding.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                result = seed()
            # Check the seeding's deferred foreign keys now, once: left pending, they would be
            # checked again at the end of every test (its savepoint's rollback revives them).
            connection.check_constraints()
        except BaseException as error:
            seeding.__exit__(type(error), error, error.__traceback__)
            raise
    try:
        yield result
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            seeding.__exit__(None, None, None)


@pytest.fixture(scope="session")
def seeded_demo(django_db_setup, django_db_blocker) -> str:
    """`manage.py seed_demo --households 60`, run once for all the tests that read the demo
    (or seed it again to see that nothing changes); returns what it printed.

    Kept for the session (kept_seeding) and rolled back at its end. The tests that use it
    run last (pytest_collection_modifyitems), so no other test sees a demo row;
    `outside_the_demo_seeding` fails any test that would."""

    def seed() -> str:
        out = StringIO()
        call_command("seed_demo", households=DEMO_HOUSEHOLDS, stdout=out)
        return out.getvalue()

    seeding = kept_seeding(django_db_blocker, seed)
    output = next(seeding)
    _demo_seeding["open"] = True
    yield output
    _demo_seeding["open"] = False
    next(seeding, None)


@pytest.fixture(autouse=True)
def outside_the_demo_seeding(request):
    """A test that does not read the demo never runs inside its seeding."""
    if _demo_seeding["open"] and "seeded_demo" not in request.fixturenames:
        pytest.fail(
            "this test runs after the shared demo seeding and would see its rows: tests "
            "that use `seeded_demo` must run last (see pytest_collection_modifyitems; with "
            "pytest-xdist, --dist loadfile --no-loadscope-reorder keeps that order)"
        )


@pytest.fixture(scope="session")
def reliability(django_db_setup, django_db_blocker):
    """Collects what the security and reliability suites measure; with RELIABILITY_REPORT
    set (`python3 config/dev.py reliability`) it is written there as Markdown at the end."""
    report = Report()
    yield report
    target = os.environ.get("RELIABILITY_REPORT")
    if target and report.findings:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            report.postgres = cursor.fetchone()[0].split(" on ")[0]
        report.write(target)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached page fragments (the passbook's ways to earn) never outlive a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Production hashes passwords slowly on purpose; tests create hundreds of users, so
    they hash with MD5 (logging in still goes through the real authentication)."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def community():
    return CommunityFactory(name="山鑫阳光城", slug="shanxin", passbook_prefix="SX")


@pytest.fixture
def other_community():
    return CommunityFactory(name="齐河第三居民区", slug="qihe3", passbook_prefix="QH")


def _client_for(community, role: str) -> Client:
    membership = StaffMembershipFactory(community=community, role=role)
    client = Client()
    client.force_login(membership.user)
    client.user = membership.user
    return client


@pytest.fixture
def staff_client(community) -> Client:
    return _client_for(community, StaffMembership.Role.STAFF)


@pytest.fixture
def admin_client_of_community(community) -> Client:
    return _client_for(community, StaffMembership.Role.ADMIN)


@pytest.fixture
def counter_client(community) -> Client:
    return _client_for(community, StaffMembership.Role.COUNTER)


@pytest.fixture
def other_staff_client(other_community) -> Client:
    return _client_for(other_community, StaffMembership.Role.STAFF)


# Real headless Chromium (Debian's package) driven by Playwright, one per test session.
# Never downloads a browser: on a machine without `chromium` these tests skip and say why.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    # CI sets REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(f"REQUIRE_BROWSER is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if executable is None:
        _unavailable("no Chromium here: install Debian's `chromium` and `fonts-noto-cjk`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are ordinary synchronous ones.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
