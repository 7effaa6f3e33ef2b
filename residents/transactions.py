"""Running a service as one transaction, again when PostgreSQL gave it up to stay correct.

PostgreSQL resolves a deadlock (SQLSTATE 40P01) by aborting one of the two transactions,
and a SERIALIZABLE transaction that could not be ordered with another fails with 40001.
Neither says anything about the request: the same work run again a moment later normally
goes through. So the write services run under `retry_on_conflict`, which owns the
transaction and repeats the whole function (all its reads too) after a short random pause.

Only the outermost transaction can be repeated: inside someone else's `atomic()` block the
work already done by the caller is lost with the abort, so there the error is raised as is.
Every conflict is counted in `conflicts` so tests and the reliability report can say how
many happened and how many reached the caller.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar, overload

import psycopg.errors
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPTS = 4  # the first try and three more
PAUSE = 0.02  # seconds before the first retry; doubled each time, with jitter

DEADLOCK = "deadlock"
SERIALIZATION = "serialization"


@dataclass
class Conflicts:
    """What the retrying has seen since the process started (or since `reset()`)."""

    retried: int = 0  # attempts run again after a conflict
    deadlocks: int = 0  # 40P01 seen, retried or not
    serialization_failures: int = 0  # 40001 seen, retried or not
    surfaced: int = 0  # conflicts raised to the caller (attempts used up, or nested)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def seen(self, kind: str) -> None:
        with self._lock:
            if kind == DEADLOCK:
                self.deadlocks += 1
            else:
                self.serialization_failures += 1

    def add(self, *, retried: int = 0, surfaced: int = 0) -> None:
        with self._lock:
            self.retried += retried
            self.surfaced += surfaced

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "retried": self.retried,
                "deadlocks": self.deadlocks,
                "serialization_failures": self.serialization_failures,
                "surfaced": self.surfaced,
            }

    def since(self, before: dict[str, int]) -> dict[str, int]:
        """The counts added after `before` (a `snapshot()`)."""
        now = self.snapshot()
        return {name: now[name] - before[name] for name in now}

    def reset(self) -> None:
        with self._lock:
            self.retried = self.deadlocks = self.serialization_failures = self.surfaced = 0


conflicts = Conflicts()

# Per thread and database alias: whether an outermost `retrying` is running, so a nested
# one leaves the counting of a conflict to it.
_retrying = threading.local()


def conflict_kind(error: BaseException) -> str | None:
    """DEADLOCK or SERIALIZATION when `error` (as Django raises it, the driver's error as
    its cause) is one PostgreSQL asks to retry; None for every other error."""
    cause = error.__cause__ if isinstance(error, DatabaseError) else None
    if isinstance(error, psycopg.errors.Error):
        cause = error
    if isinstance(cause, psycopg.errors.DeadlockDetected):
        return DEADLOCK
    if isinstance(cause, psycopg.errors.SerializationFailure):
        return SERIALIZATION
    return None


def _pause(retry: int) -> None:
    time.sleep(PAUSE * 2 ** (retry - 1) * random.uniform(0.5, 1.5))


def retrying(
    fn: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    using: str = DEFAULT_DB_ALIAS,
    name: str | None = None,
) -> T:
    """`fn()` in its own transaction, run again (up to `attempts` times in all) when
    PostgreSQL aborts it for a deadlock or a serialization failure."""
    name = name or getattr(fn, "__qualname__", repr(fn))
    connection = connections[using]
    if connection.in_atomic_block or not connection.get_autocommit():
        # Part of the caller's transaction: a savepoint, and no second chance here.
        try:
            with transaction.atomic(using=using):
                return fn()
        except DatabaseError as error:
            kind = conflict_kind(error)
            if kind and not getattr(_retrying, using, False):  # else the outer one counts it
                conflicts.seen(kind)
                conflicts.add(surfaced=1)
            raise
    for attempt in range(1, attempts + 1):
        try:
            setattr(_retrying, using, True)
            with transaction.atomic(using=using):
                return fn()
        except DatabaseError as error:
            kind = conflict_kind(error)
            if kind is None:
                raise
            conflicts.seen(kind)
            if attempt == attempts:
                conflicts.add(surfaced=1)
                logger.warning("%s: %s after %d attempts, giving up", name, kind, attempt)
                raise
            conflicts.add(retried=1)
            logger.info("%s: %s on attempt %d, trying again", name, kind, attempt)
            _pause(attempt)
        finally:
            setattr(_retrying, using, False)
    raise AssertionError("unreachable")  # the loop returns or raises


@overload
def retry_on_conflict(func: Callable[P, T], /) -> Callable[P, T]: ...


@overload
def retry_on_conflict(
    *, attempts: int = ATTEMPTS
) -> Callable[[Callable[P, T]], Callable[P, T]]: ...


def retry_on_conflict(
    func: Callable[P, T] | None = None, /, *, attempts: int = ATTEMPTS
) -> Callable[P, T] | Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator: the function is one transaction, retried on deadlock or serialization
    failure (see `retrying`). Use bare or as `@retry_on_conflict(attempts=...)`."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return retrying(
                lambda: function(*args, **kwargs),
                attempts=attempts,
                name=f"{function.__module__}.{function.__qualname__}",
            )

        return wrapper

    if func is not None:
        return decorate(func)
    return decorate
