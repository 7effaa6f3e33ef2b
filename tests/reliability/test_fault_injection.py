"""The database connection killed in the middle of a write (pg_terminate_backend, as when
PostgreSQL restarts or a network link drops): the caller sees an error, nothing half-done
is left behind, and the same submission then goes through exactly once.

"The middle" is made deterministic without mocks: the test's own connection takes a table
lock that lets reads and row locks through but blocks writes to one table (SHARE mode
conflicts only with ROW EXCLUSIVE and stronger), the service runs in a thread until it waits
on that lock, having already written everything before it, and is terminated there."""

from __future__ import annotations

import datetime
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from config.database import libpq_url
from points import services as points_services
from points.models import Account, LedgerEntry
from redemption import services
from redemption.models import Redemption, RedemptionLine, Round, RoundItem
from residents.transactions import conflict_kind
from tests.concurrency import HANG, wait_for
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.reliability.books import books_balance
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)

SECTION = "Fault injection"


class Victim(threading.Thread):
    """Runs `work` on its own connection and remembers its backend pid and its outcome."""

    def __init__(self, work):
        super().__init__()
        self.work = work
        self.pid: int | None = None
        self.ready = threading.Event()
        self.result = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.ready.set()
            self.result = self.work()
        except BaseException as error:
            self.error = error
        finally:
            self.ready.set()
            connection.close()


def kill_while_blocked(table: str, work) -> tuple[Victim, str]:
    """Run `work` in a thread until it waits for a write lock on `table`, terminate its
    backend there, and return the thread (joined) and the statement it was running."""
    victim = Victim(work)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
        victim.start()
        assert victim.ready.wait(HANG)

        def waiting_on_the_lock():
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh view of the activity
            cursor.execute(
                "SELECT query FROM pg_stat_activity WHERE pid = %s AND wait_event_type = 'Lock'",
                [victim.pid],
            )
            return cursor.fetchone()

        (blocked,) = wait_for(waiting_on_the_lock, what="the service never reached the table")
        cursor.execute("SELECT pg_terminate_backend(%s)", [victim.pid])
        assert cursor.fetchone()[0] is True
    victim.join(timeout=HANG)
    assert not victim.is_alive()
    return victim, blocked


def snapshot(*, households=(), round_: Round | None = None) -> dict:
    """Every row count and counter a half-done redemption or approval could have moved."""
    state = {
        "accounts": Account.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "redemptions": Redemption.objects.count(),
        "lines": RedemptionLine.objects.count(),
        "balances": dict(
            Account.objects.filter(household__in=households).values_list("household", "balance")
        ),
        "attendances": dict(Attendance.objects.values_list("pk", "status")),
        "taken": dict(RoundItem.objects.values_list("pk", "taken")),
    }
    if round_ is not None:
        round_.refresh_from_db()
        state["round"] = (round_.spent_yuan, round_.receipt_serial)
    return state


def first_words(sql: str) -> str:
    return " ".join(sql.split()[:3])


def test_a_redemption_killed_before_its_lines_leaves_nothing_and_can_be_submitted_again(
    community, reliability
):
    clerk = UserFactory()
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    round_, items = open_round_with(community, items=2)
    key = uuid.uuid4()

    def redeem():
        return services.redeem(
            community=community,
            household=household,
            quantities={items[0].pk: 2, items[1].pk: 1},
            submission_key=key,
            by=clerk,
        )

    before = snapshot(households=[household], round_=round_)
    started = time.monotonic()
    victim, blocked = kill_while_blocked("redemption_redemptionline", redeem)
    seconds = time.monotonic() - started
    after = snapshot(households=[household], round_=round_)
    unbalanced, reconciled = books_balance()

    # It had written its entry, the stock, the budget and the redemption; it stood at the lines.
    assert blocked.startswith('INSERT INTO "redemption_redemptionline"')
    assert victim.result is None
    assert isinstance(victim.error, OperationalError)  # an error, not a silent success
    assert not isinstance(victim.error, ValidationError)
    assert conflict_kind(victim.error) is None  # a lost connection is not retried
    assert after == before
    assert unbalanced == 0

    again = redeem()
    twice = redeem()
    assert again.pk == twice.pk
    assert Redemption.objects.filter(submission_key=key).count() == 1
    assert RedemptionLine.objects.filter(redemption=again).count() == 2
    assert Account.objects.get(household=household).balance == 70
    assert sorted(RoundItem.objects.values_list("taken", flat=True)) == [1, 2]
    assert books_balance()[0] == 0

    reliability.record(
        SECTION,
        "Database connection killed in the middle of a redemption",
        tried="A counter redeems 3 items for 30 points. The test locks the redemption-line "
        "table against writes, lets the redemption run until it waits there (its ledger "
        "entry, stock, budget and receipt already written), then terminates its database "
        "backend with pg_terminate_backend and releases the lock.",
        figures={
            "statement the backend was killed in": first_words(blocked),
            "error the caller got": f"{type(victim.error).__name__}: "
            f"{str(victim.error).strip().splitlines()[0]}",
            "redemptions / lines / entries left behind": (
                f"{after['redemptions'] - before['redemptions']} / "
                f"{after['lines'] - before['lines']} / {after['entries'] - before['entries']}"
            ),
            "stock taken, budget spent, receipt serial changed": after["taken"] != before["taken"]
            or after["round"] != before["round"],
            "balance before → after the kill": f"{before['balances'][household.pk]} → "
            f"{after['balances'][household.pk]}",
            "accounts whose balance ≠ sum of entries": unbalanced,
            "reconcile_ledger": f"exit 0 — {reconciled}",
            "same submission sent twice afterwards": "1 redemption, balance 70",
            "wall time of the experiment": f"{seconds:.2f} s",
        },
        held="The caller saw an OperationalError; PostgreSQL rolled the whole transaction "
        "back, so no entry, stock, budget, receipt number or line was left; the same form "
        "submitted again went through once.",
    )


def test_an_approval_batch_killed_after_posting_leaves_nothing_and_can_be_approved_again(
    community, reliability
):
    reviewer = UserFactory()
    PointRuleFactory(community=community, starts_on=datetime.date(2020, 1, 1), points_per_session=5)
    households = [HouseholdFactory(community=community) for _ in range(3)]
    give_points(households[0], 20)  # the other two have no account yet: approving opens one
    project = ProjectFactory(community=community)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    pending = [
        AttendanceFactory(
            activity=ActivityFactory(project=project, date=yesterday),
            member=MemberFactory(household=household),
        )
        for household in households
        for _ in range(2)
    ]
    ids = [a.pk for a in pending]

    def approve():
        return points_services.approve(community=community, attendance_ids=ids, by=reviewer)

    before = snapshot(households=households)
    started = time.monotonic()
    # Attendance rows can still be locked (SELECT … FOR UPDATE); marking them approved, the
    # last step after the accounts were opened and all six entries posted, has to wait.
    victim, blocked = kill_while_blocked("volunteering_attendance", approve)
    seconds = time.monotonic() - started
    after = snapshot(households=households)
    unbalanced, reconciled = books_balance()

    assert blocked.startswith('UPDATE "volunteering_attendance"')
    assert victim.result is None
    assert isinstance(victim.error, OperationalError)
    assert after == before
    assert set(after["attendances"].values()) == {Attendance.Status.PENDING}
    assert unbalanced == 0

    first = approve()
    second = approve()
    assert (len(first.entries), first.points) == (6, 30)
    assert second.entries == []
    assert LedgerEntry.objects.filter(kind="earn").count() == 6
    assert [Account.objects.get(household=h).balance for h in households] == [30, 10, 10]
    assert books_balance()[0] == 0

    reliability.record(
        SECTION,
        "Database connection killed in the middle of an approval batch",
        tried="A reviewer approves 6 pending attendances of 3 households (two without an "
        "account yet). The test locks the attendance table against writes; the approval "
        "opens the two accounts and posts all six earn entries (moving three balances), "
        "then waits to mark the attendances approved and is terminated there.",
        figures={
            "statement the backend was killed in": first_words(blocked),
            "error the caller got": f"{type(victim.error).__name__}: "
            f"{str(victim.error).strip().splitlines()[0]}",
            "accounts / entries left behind": (
                f"{after['accounts'] - before['accounts']} / {after['entries'] - before['entries']}"
            ),
            "attendances still pending": f"{list(after['attendances'].values()).count('pending')}"
            f" of {len(pending)}",
            "accounts whose balance ≠ sum of entries": unbalanced,
            "reconcile_ledger": f"exit 0 — {reconciled}",
            "approved again, then once more": f"{len(first.entries)} entries, then "
            f"{len(second.entries)}",
            "wall time of the experiment": f"{seconds:.2f} s",
        },
        held="The caller saw an OperationalError; the opened accounts, the six entries and "
        "the balance changes were all rolled back with it; approving the same batch again "
        "posted each attendance once, and a further approval posted nothing.",
    )


@pytest.fixture
def gunicorn_server():
    """The app served by a real gunicorn (one worker) on the test database; yields
    (base URL, master process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": libpq_url()}  # the test database, socket or not
    master = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--preload",  # a replacement worker is a fork, not a fresh start of Django
            f"--timeout={HANG}",  # the test kills the worker itself, never gunicorn
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listening() -> bool:
        assert master.poll() is None, "gunicorn exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=HANG).close()
        except OSError:
            return False
        return True

    try:
        wait_for(listening, what="gunicorn did not start")
        yield f"127.0.0.1:{port}", master
    finally:
        master.send_signal(signal.SIGINT)  # quick shutdown: no request is left to finish
        master.wait(timeout=HANG)


def workers_of(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text()
    return [int(pid) for pid in children.split()]


def post_form(address: str, path: str, fields: dict, cookies: dict) -> tuple[int, str]:
    """POST a form over a real socket; (status, Location header)."""
    conn = http.client.HTTPConnection(address, timeout=HANG)
    try:
        conn.request(
            "POST",
            path,
            body=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            },
        )
        response = conn.getresponse()
        return response.status, response.getheader("Location") or ""
    finally:
        conn.close()


def test_a_web_worker_killed_mid_redemption_leaves_nothing_and_the_form_can_be_sent_again(
    community, counter_client, gunicorn_server, reliability
):
    address, master = gunicorn_server
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    round_, (item,) = open_round_with(community)
    secret = get_random_string(32)  # the CSRF cookie; the form may carry it unmasked
    cookies = {"sessionid": counter_client.cookies["sessionid"].value, "csrftoken": secret}
    form = {"csrfmiddlewaretoken": secret, "submission_key": str(uuid.uuid4()), f"qty_{item.pk}": 2}
    path = reverse("redemption:counter_household", args=[household.pk])
    sent: dict = {}

    def send():
        try:
            sent["response"] = post_form(address, path, form, cookies)
        except Exception as error:
            sent["error"] = error

    before = snapshot(households=[household], round_=round_)
    sender = threading.Thread(target=send)
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE redemption_redemptionline IN SHARE MODE")
        sender.start()

        def request_waiting_on_the_lock():
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' "
                # The statement this lock holds up, not a moment's wait on the way to it.
                "AND query LIKE 'INSERT INTO %%redemption_redemptionline%%'"
            )
            return cursor.fetchone()

        backend, blocked = wait_for(
            request_waiting_on_the_lock, what="the request never reached the locked table"
        )
        (worker,) = workers_of(master)
        os.kill(worker, signal.SIGKILL)  # the worker process dies mid-request
        sender.join(timeout=HANG)
    # The lock is released: the orphaned backend finishes its statement, finds its client
    # gone and rolls the transaction back. Wait until it has gone.
    with connection.cursor() as cursor:

        def backend_gone() -> bool:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend])
            return cursor.fetchone()[0] == 0

        wait_for(backend_gone, what="the orphaned backend stayed")
    seconds = time.monotonic() - started
    after = snapshot(households=[household], round_=round_)
    unbalanced, reconciled = books_balance()

    assert blocked.startswith('INSERT INTO "redemption_redemptionline"')
    assert "response" not in sent  # no answer at all, certainly not a success page
    assert isinstance(sent["error"], (ConnectionError, http.client.HTTPException))
    assert after == before
    assert unbalanced == 0

    again = post_form(address, path, form, cookies)  # the clerk presses the button again
    twice = post_form(address, path, form, cookies)
    redemption = Redemption.objects.get()
    assert again == twice == (302, redemption.get_absolute_url())
    assert Account.objects.get(household=household).balance == 80
    assert books_balance()[0] == 0

    reliability.record(
        SECTION,
        "Web worker process killed in the middle of a redemption",
        tried="The app runs under gunicorn (one worker) on the test database. A counter form "
        "(2 items, 20 points) is posted over HTTP; the test locks the redemption-line table "
        "against writes, waits until the request's database session waits there, kills the "
        "worker process with SIGKILL and releases the lock.",
        figures={
            "statement the request was in": first_words(blocked),
            "what the browser got": f"{type(sent['error']).__name__} (no response)",
            "redemptions / lines / entries left behind": (
                f"{after['redemptions'] - before['redemptions']} / "
                f"{after['lines'] - before['lines']} / {after['entries'] - before['entries']}"
            ),
            "balance before → after the kill": f"{before['balances'][household.pk]} → "
            f"{after['balances'][household.pk]}",
            "reconcile_ledger": f"exit 0 — {reconciled}",
            "the same form posted twice afterwards": f"{again[0]}, {twice[0]} to the same "
            "receipt; 1 redemption, balance 80",
            "wall time of the experiment": f"{seconds:.2f} s",
        },
        held="The orphaned database session rolled its transaction back when it found its "
        "client gone; gunicorn started a new worker and the same form (same submission key) "
        "then made exactly one redemption.",
    )
