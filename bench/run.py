"""`python bench/run.py [--quick] [--force] [--no-write] [--save FILE]`: the performance benchmark.

Builds synthetic city-scale data on the database in DATABASE_URL (refusing one with data
unless --force), measures the application against a floor on the same data, prints one
table and writes it with the method and machine facts to docs/benchmarks.md. Needs `wrk`
(apt-get install -y wrk). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument("--force", action="store_true", help="run on a database with data")
    parser.add_argument("--no-write", action="store_true", help="do not write the doc")
    parser.add_argument("--save", metavar="FILE", help="also keep the results (pickle) in FILE")
    parser.add_argument(
        "--report-from",
        metavar="FILE",
        help="write docs/benchmarks.md again from results kept by --save, measuring nothing",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu package `wrk`)")
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database to fill (it is filled with data).")

    from bench.env import server_env

    os.environ.update(server_env())
    import django

    django.setup()
    if args.report_from:  # the results may hold model instances: after setup
        from bench import report

        results = pickle.loads(Path(args.report_from).read_bytes())
        report.write(ROOT / "docs" / "benchmarks.md", results, report.table(results))
        return
    from django.core.management import call_command

    from bench import data, measure, report

    started = time.perf_counter()
    sizes = data.QUICK if args.quick else data.FULL
    log = report.log
    call_command("migrate", verbosity=0)
    if data.has_real_data() and not args.force:
        sys.exit("The database already has households or users; refusing (use --force).")
    call_command("collectstatic", verbosity=0, interactive=False)
    disk_before = shutil.disk_usage(ROOT)

    results: dict = {"sizes": sizes, "quick": args.quick}
    log(f"building {sizes.households:,} households …")
    t = time.perf_counter()
    world = data.build_world(sizes)
    results["build_seconds"] = time.perf_counter() - t
    seconds = 3 if args.quick else 8
    with measure.Server() as server:
        log(f"gunicorn with {server.workers} workers on 127.0.0.1:{measure.PORT}")
        sessions = measure.resident_sessions(world)
        small = data.entry_count()
        log(f"passbook at {small:,} entries …")
        results["passbook_small"] = (
            small,
            data.sample_entry_count(world),
            measure.passbook(sessions, seconds),
        )
        log("growing the history …")
        t = time.perf_counter()
        data.grow_history(world, sizes, progress=log)
        results["grow_seconds"] = time.perf_counter() - t
        big = data.entry_count()
        log(f"passbook at {big:,} entries …")
        results["passbook_big"] = (
            big,
            data.sample_entry_count(world),
            measure.passbook(sessions, seconds),
        )
    log(f"attendance of {sizes.participants} …")
    results["attendance"] = measure.attendance(world, sizes.participants)
    log(f"import of {sizes.roster_rows:,} roster rows …")
    results["roster"] = measure.roster(world, sizes.roster_rows)
    log("closing a round …")
    results["close"] = measure.close(world)
    if args.quick:
        from io import StringIO

        out = StringIO()
        call_command("reconcile_ledger", stdout=out)
        results["reconcile"] = out.getvalue().strip()
    log("queries per page (after the close) …")
    results["pages"] = measure.pages(world, sessions)
    log("staff pages at scale, p50 / p95 …")
    results["staff_pages"] = measure.staff_pages(world)
    log("the sub-district roll-up: 20 more communities, 50,000 households …")
    from bench import subdistrict

    t = time.perf_counter()
    viewer = subdistrict.build(20, 50_000)
    results["subdistrict_build_seconds"] = time.perf_counter() - t
    results["subdistrict"] = subdistrict.measure(viewer)
    results["disk_used_gb"] = (shutil.disk_usage(ROOT).used - disk_before.used) / 1e9
    results["total_seconds"] = time.perf_counter() - started
    results["machine"] = machine()
    if args.save:
        Path(args.save).write_bytes(pickle.dumps(results))
    table = report.table(results)
    print(table)
    for page in results["pages"]:
        print(f"{page['name']:40} {page['status']} {page['queries']:3} q {page['ms']:8.1f} ms")
    print(report.staff_table(results))
    if not args.no_write:
        report.write(ROOT / "docs" / "benchmarks.md", results, table)
        log("wrote docs/benchmarks.md")


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": f"{os.cpu_count()} × {cpu}",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": f"{pg} (shared_buffers {buffers})",
        "wrk": wrk_version.splitlines()[0] if wrk_version else "",
        "load": os.getloadavg(),
    }


if __name__ == "__main__":
    main()
