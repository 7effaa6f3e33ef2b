"""Work released at the same instant, each callable in its own thread on its own PostgreSQL
connection (threads wait at one barrier, then go together), and waiting for an event.

Every wait here is for an event (the barrier is full, the thread has finished, the probe
sees what it waits for); HANG is only a ceiling against a test that would otherwise hang,
never a deadline that a busy machine could miss."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connection

HANG = 300  # seconds

T = TypeVar("T")


@dataclass
class Together:
    """What the callables returned, the refusals (ValidationError) they met, every other
    error (a deadlock or a 500 would land there), and the seconds from release to the end.
    Unpacks as (results, refusals, errors)."""

    results: list = field(default_factory=list)
    refusals: list[ValidationError] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)
    seconds: float = 0.0

    def __iter__(self):
        return iter((self.results, self.refusals, self.errors))


def at_once(workers, *, timeout: float = HANG) -> Together:
    """Run the callables together; each thread closes its connection at the end."""
    outcome = Together()
    guard = threading.Lock()
    released: list[float] = []
    barrier = threading.Barrier(len(workers), action=lambda: released.append(time.monotonic()))

    def run(work):
        try:
            barrier.wait(timeout=timeout)
            result = work()
            with guard:
                outcome.results.append(result)
        except ValidationError as refusal:
            with guard:
                outcome.refusals.append(refusal)
        except Exception as error:
            with guard:
                outcome.errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    outcome.seconds = time.monotonic() - released[0] if released else 0.0
    return outcome


def wait_for(probe: Callable[[], T], *, what: str, ceiling: float = HANG) -> T:
    """Call `probe` every 20 ms until it returns something true, and return that."""
    deadline = time.monotonic() + ceiling
    while not (found := probe()):
        assert time.monotonic() < deadline, f"{what} (waited {ceiling} s)"
        time.sleep(0.02)
    return found
