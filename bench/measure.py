"""The measurements: each returns (app figure, floor figure) measured in the same run."""

from __future__ import annotations

import csv
import datetime
import http.client
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from bench.data import World, _replica
from bench.env import server_env
from points.models import LedgerEntry, PointRule
from points.passbook import issue_tokens
from redemption.models import Round
from redemption.services import close_round
from residents import importing
from residents.models import Household
from volunteering.models import Activity, Team
from volunteering.services.activities import ParticipantRow, log_activity

ROOT = Path(__file__).resolve().parent.parent
PORT = 8701
WRK_MISSING = "wrk is not installed: apt-get install -y wrk (Debian/Ubuntu package `wrk`)"


class Server:
    """gunicorn serving bench.settings (production settings plus the floor route)."""

    def __init__(self, workers: int = 4) -> None:
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=server_env(),
        )
        for _ in range(100):
            try:
                get("/login/")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def get(path: str, cookie: str = "") -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    conn.close()
    return response.status, headers, body


def resident_sessions(world: World) -> list[tuple[int, str]]:
    """Open each sample household's QR link through the server: (household id, session)."""
    households = Household.objects.filter(pk__in=world.sample_households).order_by("pk")
    tokens = issue_tokens(households=households, by=world.admin)
    sessions = []
    for household_id, token in tokens.items():
        status, headers, _ = get(f"/p/{token}/")
        match = re.search(r"sessionid=([^;]+)", headers.get("set-cookie", ""))
        if status != 302 or not match:
            raise RuntimeError(f"passbook link failed: {status}")
        sessions.append((household_id, match.group(1)))
    return sessions


LUA = """
local paths = {%(paths)s}
local cookies = {%(cookies)s}
math.randomseed(os.time())
request = function()
  local i = math.random(#paths)
  if cookies[i] ~= "" then
    return wrk.format("GET", paths[i], {["Cookie"] = "sessionid=" .. cookies[i]})
  end
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\\"requests\\": %%d, \\"duration\\": %%d, \\"p50\\": %%d, \\"p95\\": %%d, "
    .. "\\"errors\\": %%d, \\"non2xx\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def wrk(targets: list[tuple[str, str]], seconds: int) -> dict:
    """Load with wrk (2 threads, 8 connections) over the given (path, session) pairs."""
    if shutil.which("wrk") is None:
        sys.exit(WRK_MISSING)
    script = LUA % {
        "paths": ", ".join(json.dumps(p) for p, _ in targets),
        "cookies": ", ".join(json.dumps(c) for _, c in targets),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                "-c8",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                f.name,
                f"http://127.0.0.1:{PORT}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    figures = json.loads(out.split("BENCHJSON", 1)[1].strip().splitlines()[0])
    if figures["errors"] or figures["non2xx"]:
        raise RuntimeError(f"wrk saw failures: {figures}")
    return {
        "rps": figures["requests"] / (figures["duration"] / 1e6),
        "p50_ms": figures["p50"] / 1000,
        "p95_ms": figures["p95"] / 1000,
    }


def passbook(sessions: list[tuple[int, str]], seconds: int) -> dict:
    """The resident page and the floor, alternating twice after a warm-up; means."""
    app = [("/passbook/", cookie) for _, cookie in sessions]
    # The floor is keyed by the same resident session as the page.
    floor = [("/bench/floor/passbook/", cookie) for _, cookie in sessions]
    status, _, _ = get("/passbook/", f"sessionid={sessions[0][1]}")
    assert status == 200, status
    assert get("/bench/floor/passbook/", f"sessionid={sessions[0][1]}")[0] == 200
    wrk(app, 2)
    wrk(floor, 2)
    runs = {"app": [], "floor": []}
    for _ in range(2):
        runs["app"].append(wrk(app, seconds))
        runs["floor"].append(wrk(floor, seconds))
    return {
        side: {k: statistics.mean(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()
    }


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def attendance(world: World, participants: int, repeats: int = 5) -> dict:
    """log_activity (the activity logging page's service) with N participants, against one
    INSERT … SELECT of the same attendance rows (plus the activity row)."""
    members = world.member_ids[-participants:]
    rows = [ParticipantRow(member_id=m) for m in members]
    day = timezone.localdate()

    def app() -> None:
        log_activity(
            community=world.community,
            by=world.admin,
            submission_key=uuid.uuid4(),
            fields={
                "project": world.project,
                "title": "基准 签到",
                "date": day,
                "hours": Decimal(2),
            },
            participants=rows,
        )

    def floor() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO volunteering_activity (community_id, project_id, title, date, hours,"
                " place, organiser, notes, submission_key, created_by_id, created_at)"
                " VALUES (%s, %s, '基准 签到', %s, 2, '', '', '', %s, %s, now()) RETURNING id",
                [world.community.pk, world.project.pk, day, uuid.uuid4(), world.admin.pk],
            )
            activity_id = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO volunteering_attendance (community_id, activity_id, member_id, hours,"
                " role, note, status, rejection_reason, recorded_by_id, recorded_at)"
                " SELECT community_id, %s, id, 2, 'participant', '', 'pending', '', %s, now()"
                " FROM residents_member WHERE id = ANY(%s)",
                [activity_id, world.admin.pk, members],
            )
            assert cursor.rowcount == participants

    app(), floor()  # warm-up
    times = {"app": [], "floor": []}
    for _ in range(repeats):
        times["app"].append(_timed(app))
        times["floor"].append(_timed(floor))
    return {side: statistics.median(t) for side, t in times.items()}


FLOOR_EXPIRE_SQL = """
INSERT INTO points_ledgerentry (community_id, account_id, kind, amount, balance_after, stream,
    calculation, reason, occurred_on, created_by_id, created_at)
SELECT community_id, id, 'expire', %(keep)s - balance, %(keep)s, 'value_added', '',
    'floor', %(day)s, %(by)s, now()
FROM points_account WHERE community_id = %(community)s AND balance > %(keep)s ORDER BY id;
UPDATE points_account SET balance = %(keep)s
WHERE community_id = %(community)s AND balance > %(keep)s;
"""


class _Rollback(Exception):
    pass


def close(world: World, cap: int = 50) -> dict:
    """close_round with the cap policy over every passbook, against the floor (the same
    expiry rows inserted and the balances set by hand, no triggers), which is rolled back."""
    day = timezone.localdate()
    params = {"keep": cap, "day": day, "by": world.admin.pk, "community": world.community.pk}

    def floor() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _replica(cursor)
                cursor.execute(FLOOR_EXPIRE_SQL, params)
                raise _Rollback
        except _Rollback:
            pass

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM points_account WHERE community_id = %s AND balance > %s",
            [world.community.pk, cap],
        )
        over = cursor.fetchone()[0]
    round_ = Round.objects.create(
        community=world.community,
        name="基准结账",
        code="BENCH-1",
        opens_on=day - datetime.timedelta(days=30),
        closes_on=day,
        budget_yuan=Decimal(0),
        balance_policy=Round.BalancePolicy.CAP,
        balance_cap=cap,
        status=Round.Status.OPEN,
        opened_at=timezone.now(),
        opened_by=world.admin,
        created_by=world.admin,
    )
    floor_seconds = [_timed(floor) for _ in range(2)]
    app_seconds = _timed(lambda: close_round(round_=round_, by=world.admin, on=day))
    round_.refresh_from_db()
    assert round_.expired_households == over, (round_.expired_households, over)
    expired = LedgerEntry.objects.filter(community=world.community, kind="expire").count()
    assert expired == over
    return {"app": app_seconds, "floor": min(floor_seconds), "households": over}


def roster_csv(world: World, rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(importing.TEMPLATE_HEADERS)
    for i in range(rows):
        house = i // 2
        writer.writerow(
            [
                world.import_compound.name,
                str(house // 100 + 1),
                "1",
                str(101 + house % 100),
                "",
                "",
                f"021-6{i // 2:07d}",
                ("王李张刘陈"[i % 5]) + "导" + "一二三四五六七八九十"[i % 10] + ("甲乙"[i % 2]),
                "男" if i % 2 == 0 else "女",
                str(1950 + i % 50),
                "户主" if i % 2 == 0 else "配偶",
                f"137{i:08d}",
                "否",
                "否",
                "",
                "",
                "",
            ]
        )
    return codecs_bom() + out.getvalue().encode("utf-8")


def codecs_bom() -> bytes:
    import codecs

    return codecs.BOM_UTF8


def roster(world: World, rows: int) -> dict:
    content = roster_csv(world, rows)

    def floor() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                columns = ", ".join(f"c{n} text" for n in range(len(importing.TEMPLATE_HEADERS)))
                cursor.execute(f"CREATE TABLE bench_roster_copy ({columns})")
                with cursor.copy("COPY bench_roster_copy FROM STDIN (FORMAT csv, HEADER)") as copy:
                    copy.write(content[3:])
                cursor.execute("SELECT count(*) FROM bench_roster_copy")
                assert cursor.fetchone()[0] == rows
                raise _Rollback
        except _Rollback:
            pass

    floor_seconds = min(_timed(floor) for _ in range(3))
    result = {}

    def app() -> None:
        result["check"] = importing.import_roster(
            community=world.community, content=content, file_name="roster.csv"
        )

    app_seconds = _timed(app)
    check = result["check"]
    assert check.saved and not check.has_errors, [str(p) for p in check.problems[:5]]
    assert check.members_new == rows, check.members_new
    return {"app": app_seconds, "floor": floor_seconds, "households": check.households_new}


def _patterns(resolver, prefix="", namespace=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _patterns(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name, prefix + str(p.pattern), p.callback


def pages(world: World, sessions: list[tuple[int, str]]) -> list[dict]:
    """Every GET page without arguments or with ids we can fill, as an admin of the big
    community (staff pages) and as a resident (resident pages): query count and time."""
    from points.middleware import is_resident_page

    household = world.sample_households[0]
    entry = LedgerEntry.objects.filter(account__household_id=household).order_by("-pk").first()
    ids = {
        "household": household,
        "activity": Activity.objects.filter(community=world.community).first().pk,
        "project": world.project.pk,
        "rule": PointRule.objects.filter(community=world.community).first().pk,
        "round": Round.objects.filter(community=world.community).first().pk,
        "entry_pk": entry.pk,
    }
    team = Team.objects.filter(community=world.community).first()
    if team:
        ids["team"] = team.pk
    staff = Client()
    staff.force_login(world.admin)
    resident = Client()
    resident.cookies["sessionid"] = sessions[0][1]
    results = []
    for name, route, view in _patterns(get_resolver()):
        if (
            name.startswith("admin:")
            or name in {"logout", "set_language"}
            or "<str:" in route
            or "<slug:" in route
        ):
            continue
        if "export" in name or name.endswith(("_qr", "_picture")) or "bench" in route:
            continue
        path = "/" + route
        ok = True
        for param in re.findall(r"<int:(\w+)>", route):
            key = param if param in ids else next((k for k in ids if k in name), None)
            if param == "pk" and key is None:
                ok = False
                break
            if param != "pk" and param not in ids:
                ok = False
                break
            path = path.replace(f"<int:{param}>", str(ids[key if param == "pk" else param]))
        if not ok:
            continue
        client = resident if is_resident_page(view) else staff
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            seconds = time.perf_counter() - start
        if response.status_code == 405:
            continue
        results.append(
            {
                "name": name,
                "path": path,
                "who": "resident" if client is resident else "staff",
                "status": response.status_code,
                "queries": len(queries),
                "ms": seconds * 1000,
            }
        )
    return results


# The staff pages issue 21 asks to be within 150 ms (p50, single request, warm) at 100,000
# households and 10M entries: (URL name, id key or None).
STAFF_PAGES = [
    ("redemption:dashboard", None),
    ("points:standings", None),
    ("points:standings_notice", None),
    ("points:review_queue", None),
    ("residents:household_list", None),
    ("points:household_ledger", "household"),
    ("volunteering:activity_list", None),
    ("redemption:counter_household", "household"),
]


def staff_pages(world: World, repeats: int = 7) -> list[dict]:
    """Each staff page as an admin of the big community, one request at a time: a warm-up,
    then `repeats` timed requests; p50, p95 (nearest rank) and the number of queries."""
    from django.urls import reverse

    staff = Client()
    staff.force_login(world.admin)
    household = world.sample_households[0]
    results = []
    for name, key in STAFF_PAGES:
        path = reverse(name, args=[household] if key == "household" else [])
        assert staff.get(path).status_code == 200, path
        times, counts = [], set()
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = staff.get(path)
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, path
            counts.add(len(queries))
        times.sort()
        results.append(
            {
                "name": name,
                "path": path,
                "p50": statistics.median(times),
                "p95": times[min(len(times) - 1, round(0.95 * len(times) + 0.5) - 1)],
                "queries": max(counts),
            }
        )
    return results
