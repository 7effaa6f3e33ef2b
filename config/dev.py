#!/usr/bin/env python3
"""Set up and run the project on a fresh machine with nothing but Python 3.11+.

    python3 config/dev.py demo    # install, migrate, load demo data, serve on 127.0.0.1:8000
    python3 config/dev.py test    # install, run the whole test suite (extra args go to pytest)
    python3 config/dev.py reliability  # run the security and reliability suites and write
                                       # what they measured to docs/reliability.md
    python3 config/dev.py setup   # only install (CI does this before cutting the network)

Creates `.venv/` with the project's dependencies (again only when pyproject.toml changed).
Without DATABASE_URL, Django starts the embedded PostgreSQL in `.pgdata/`; it stops by
itself when the last process using it ends, however it ends (config/embedded_db.py).
Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"
# The least-privileged role the demo serves as on the embedded database.
APP_ROLE = "passbook_app"


def say(text: str) -> None:
    print(f"==> {text}", flush=True)


def run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def ensure_environment() -> None:
    # This script may be started by an older python3 than the project supports: say so.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        say(f"creating virtual environment in {VENV.name}/")
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        say("installing dependencies (first run only; later runs reuse them)")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", ".[dev]")
        STAMP.write_text(wanted)


def demo() -> None:
    ensure_environment()
    run(PYTHON, "manage.py", "migrate", "--no-input")
    if not os.environ.get("DATABASE_URL"):
        # Migrations run as the embedded superuser, which owns the schema; the demo then
        # seeds and serves as the application's own role, as production does, so no page
        # can do what that role may not (README: least privilege in PostgreSQL).
        run(PYTHON, "manage.py", "setup_app_role", APP_ROLE, "--password", APP_ROLE)
        os.environ["EMBEDDED_DB_USER"] = APP_ROLE
    run(PYTHON, "manage.py", "seed_demo")
    say(
        "starting the application at http://127.0.0.1:8000/  "
        f"(Ctrl+C, or kill {os.getpid()}, stops it and its database)"
    )
    os.chdir(ROOT)
    os.execv(str(PYTHON), [str(PYTHON), "manage.py", "runserver", "127.0.0.1:8000"])


# The suite runs in two worker processes (pytest-xdist), each with its own test database
# (test_<name>_gw0, _gw1) on the same server. A test file stays in one worker, so fixtures
# kept for a module are made once; files are handed out in the order tests/conftest.py
# gives (not reordered by size): the longest tests first, the demo's readers last.
PARALLEL = ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder"]


def parallel(pytest_args: list[str]) -> list[str]:
    """PARALLEL, unless the arguments already say how to run (`-n 0` runs in one process)."""
    chosen = any(
        arg == "-n" or arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist"
        for arg in pytest_args
    )
    return [] if chosen else PARALLEL


def test(pytest_args: list[str]) -> None:
    ensure_environment()
    os.chdir(ROOT)
    os.execv(str(PYTHON), [str(PYTHON), "-m", "pytest", *parallel(pytest_args), *pytest_args])


def reliability(pytest_args: list[str]) -> None:
    os.environ["RELIABILITY_REPORT"] = str(ROOT / "docs" / "reliability.md")
    # One process: the report is gathered in the session and written once at its end.
    test(["tests/security", "tests/reliability", "-n", "0", *pytest_args])


def main() -> None:
    commands = {
        "demo": lambda args: demo(),
        "test": test,
        "reliability": reliability,
        "setup": lambda args: ensure_environment(),
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
