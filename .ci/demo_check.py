"""CI: the README's demo command as a newcomer uses it — it serves the login page, and stopping
it (SIGTERM, as `kill` sends; then Ctrl+C's SIGINT) leaves no process of `.pgdata/` behind;
started again, it comes up. Run it where port 8000 is free (.ci/run gives it a network
namespace of its own). Standard library only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = str(ROOT / ".pgdata")
LOGIN = "http://127.0.0.1:8000/login/"
CEILING = 15 * 60  # seconds; only against hanging (the first run installs and seeds)


def say(text: str) -> None:
    print(f"--> {text}", flush=True)


def processes_of_pgdata() -> list[str]:
    """Command lines of the running processes that name .pgdata (postgres, the watcher)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if DATA in cmdline and status != "Z":
            found.append(f"{entry.name} {cmdline.strip()}")
    return found


def wait_for(probe, what: str) -> float:
    started = time.monotonic()
    while not probe():
        if time.monotonic() - started > CEILING:
            sys.exit(f"FAILED: {what} (waited {CEILING} s)")
        time.sleep(0.2)
    return time.monotonic() - started


def serves_login(demo: subprocess.Popen) -> bool:
    if demo.poll() is not None:
        sys.exit(f"FAILED: the demo exited with status {demo.returncode}")
    try:
        with urllib.request.urlopen(LOGIN, timeout=30) as response:
            return response.status == 200 and "登录" in response.read().decode()
    except OSError:
        return False


def run_and_stop(how: signal.Signals) -> None:
    demo = subprocess.Popen([sys.executable, "config/dev.py", "demo"], cwd=ROOT)
    seconds = wait_for(lambda: serves_login(demo), "the demo never served the login page")
    say(f"login page served after {seconds:.0f} s; the demo's processes of .pgdata:")
    for line in processes_of_pgdata():
        print(f"      {line}", flush=True)
    demo.send_signal(how)
    status = demo.wait(timeout=CEILING)
    seconds = wait_for(lambda: not processes_of_pgdata(), "PostgreSQL outlived the demo")
    say(f"{how.name}: the demo exited ({status}); nothing of .pgdata left after {seconds:.1f} s")


if __name__ == "__main__":
    os.environ.pop("DATABASE_URL", None)
    # Started as a background job (`.ci/run &` from a script), this process and the demo it
    # starts would inherit an ignored SIGINT and Ctrl+C would stop nothing: give the demo
    # the disposition a terminal gives it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if processes_of_pgdata():
        sys.exit(f"FAILED: .pgdata is in use before the check: {processes_of_pgdata()}")
    run_and_stop(signal.SIGTERM)
    run_and_stop(signal.SIGINT)
    say("the demo starts, serves, stops and starts again with nothing left behind")
