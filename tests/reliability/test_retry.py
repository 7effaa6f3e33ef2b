"""The retry helper against real PostgreSQL conflicts: a real deadlock between two threads
and a real serialization failure between two SERIALIZABLE transactions."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F

from redemption.models import RoundItem
from residents import transactions
from residents.transactions import DEADLOCK, SERIALIZATION, conflict_kind, retrying
from tests.concurrency import HANG
from tests.redemption.factories import RoundItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def side_by_side(*works) -> tuple[list, list]:
    """Run the callables in threads, each on its own connection; (results, errors)."""
    results, errors = [], []

    def run(work):
        try:
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG)
    return results, errors


def execute(sql: str, params=()) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def locking_in_order(first, second, meet: threading.Barrier, tries: list):
    """A transaction body that locks `first`, waits until the other side holds its first
    row (on its first try only, so a retry runs straight through), then locks `second`."""

    def body():
        tries.append(1)
        # Find the deadlock quickly (the default waits a second before looking).
        execute("SET LOCAL deadlock_timeout = '50ms'")
        execute("SELECT id FROM redemption_rounditem WHERE id = %s FOR UPDATE", [first.pk])
        if len(tries) == 1:
            meet.wait(timeout=HANG)
        execute("SELECT id FROM redemption_rounditem WHERE id = %s FOR UPDATE", [second.pk])
        RoundItem.objects.filter(pk__in=[first.pk, second.pk]).update(taken=F("taken") + 1)
        return len(tries)

    return body


SECTION = "Retrying on deadlock and serialization failure"


def test_a_real_deadlock_is_retried_and_both_sides_finally_succeed(reliability):
    one = RoundItemFactory(stock=50)
    two = RoundItemFactory(round=one.round, stock=50)
    meet = threading.Barrier(2)
    tries_a, tries_b = [], []
    before = transactions.conflicts.snapshot()
    started = time.monotonic()

    results, errors = side_by_side(
        lambda: retrying(locking_in_order(one, two, meet, tries_a)),
        lambda: retrying(locking_in_order(two, one, meet, tries_b)),
    )
    seconds = time.monotonic() - started

    assert errors == []
    assert sorted(results) == [1, 2]  # one side ran once, the other was aborted and rerun
    assert sorted([len(tries_a), len(tries_b)]) == [1, 2]
    counted = transactions.conflicts.since(before)
    assert counted == {"retried": 1, "deadlocks": 1, "serialization_failures": 0, "surfaced": 0}
    assert list(RoundItem.objects.order_by("pk").values_list("taken", flat=True)) == [2, 2]
    reliability.record(
        SECTION,
        "A real deadlock between two transactions",
        tried="Two threads, each on its own connection, run a retried transaction that locks "
        "two rows in opposite order (deadlock_timeout 50 ms); PostgreSQL aborts one of them "
        "with SQLSTATE 40P01.",
        figures={
            "transactions": 2,
            "succeeded": len(results),
            "deadlocks detected": counted["deadlocks"],
            "retried": counted["retried"],
            "surfaced to the caller": counted["surfaced"],
            "wall time": f"{seconds:.2f} s",
        },
        held="The aborted side was run again and both committed; each row was updated twice.",
    )


def test_inside_an_outer_transaction_a_deadlock_is_not_retried_but_raised():
    one = RoundItemFactory(stock=50)
    two = RoundItemFactory(round=one.round, stock=50)
    meet = threading.Barrier(2)
    tries_a, tries_b = [], []
    before = transactions.conflicts.snapshot()

    def nested(body):
        def work():
            with transaction.atomic():  # the caller's transaction: cannot be run again
                return retrying(body)

        return work

    results, errors = side_by_side(
        nested(locking_in_order(one, two, meet, tries_a)),
        nested(locking_in_order(two, one, meet, tries_b)),
    )

    assert results == [1]
    assert len(errors) == 1
    assert isinstance(errors[0], OperationalError)
    assert conflict_kind(errors[0]) == DEADLOCK
    assert (len(tries_a), len(tries_b)) == (1, 1)
    counted = transactions.conflicts.since(before)
    assert counted == {"retried": 0, "deadlocks": 1, "serialization_failures": 0, "surfaced": 1}


def test_a_serialization_failure_between_two_serializable_transactions_is_retried(reliability):
    item = RoundItemFactory(stock=50)
    both_read = threading.Barrier(2)
    tries = []

    def read_then_write():
        first_try = not any(t is threading.current_thread() for t in tries)
        tries.append(threading.current_thread())
        execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        (taken,) = execute("SELECT taken FROM redemption_rounditem WHERE id = %s", [item.pk])[0]
        if first_try:
            both_read.wait(timeout=HANG)  # both have read the same value
        execute("UPDATE redemption_rounditem SET taken = %s WHERE id = %s", [taken + 1, item.pk])
        return taken

    before = transactions.conflicts.snapshot()

    results, errors = side_by_side(
        lambda: retrying(read_then_write), lambda: retrying(read_then_write)
    )

    assert errors == []
    assert sorted(results) == [0, 1]  # the retried side read the other's committed write
    assert len(tries) == 3
    item.refresh_from_db()
    assert item.taken == 2  # no lost update
    counted = transactions.conflicts.since(before)
    assert counted == {"retried": 1, "deadlocks": 0, "serialization_failures": 1, "surfaced": 0}
    assert conflict_kind(OperationalError()) is None
    reliability.record(
        SECTION,
        "A real serialization failure between two SERIALIZABLE transactions",
        tried="Two threads read the same counter in SERIALIZABLE transactions and both write "
        "it back plus one; PostgreSQL refuses the second writer with SQLSTATE 40001.",
        figures={
            "transactions": 2,
            "succeeded": len(results),
            "serialization failures": counted["serialization_failures"],
            "retried": counted["retried"],
            "surfaced to the caller": counted["surfaced"],
            "final counter (expected 2)": item.taken,
        },
        held="The refused side read again and wrote 2: no lost update, nothing surfaced.",
    )


def test_only_conflicts_are_retried_and_only_so_many_times(monkeypatch):
    monkeypatch.setattr(transactions, "PAUSE", 0.001)
    item = RoundItemFactory(stock=50)
    tries = []
    before = transactions.conflicts.snapshot()

    def always_conflicting(isolate=True):
        tries.append(1)
        if isolate:
            execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        execute("SELECT taken FROM redemption_rounditem WHERE id = %s", [item.pk])
        # Someone else changes the row after this transaction's snapshot was taken.
        side_by_side(lambda: RoundItem.objects.filter(pk=item.pk).update(taken=F("taken") + 1))
        execute("UPDATE redemption_rounditem SET taken = taken + 1 WHERE id = %s", [item.pk])

    started = time.monotonic()
    with pytest.raises(OperationalError) as raised:
        retrying(always_conflicting, attempts=3)

    assert conflict_kind(raised.value) == SERIALIZATION
    assert len(tries) == 3
    assert time.monotonic() - started < 5
    counted = transactions.conflicts.since(before)
    assert counted == {"retried": 2, "deadlocks": 0, "serialization_failures": 3, "surfaced": 1}

    # A retried function calling another: the inner one cannot retry, the outer one does,
    # and each conflict is counted once.
    def outer():
        execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return retrying(lambda: always_conflicting(isolate=False))

    tries.clear()
    before = transactions.conflicts.snapshot()
    with pytest.raises(OperationalError):
        retrying(outer, attempts=2)

    assert len(tries) == 2
    counted = transactions.conflicts.since(before)
    assert counted == {"retried": 1, "deadlocks": 0, "serialization_failures": 2, "surfaced": 1}

    # Refusals and other database errors are raised at once.
    calls = []

    def refuse():
        calls.append("refuse")
        raise ValidationError("不行", code="no")

    def violate():
        calls.append("violate")
        execute("INSERT INTO redemption_rounditem (id) VALUES (NULL)")

    before = transactions.conflicts.snapshot()
    with pytest.raises(ValidationError):
        retrying(refuse)
    with pytest.raises(IntegrityError):
        retrying(violate)

    assert calls == ["refuse", "violate"]
    assert transactions.conflicts.since(before)["retried"] == 0
