"""Synthetic city-scale data, built set-based on the current database.

One community with N households (one member and one passbook account each). A sample of
them carries a recent history of real earned entries (attendance at ten activities of the
last month) — the rows the passbook page shows. `grow_history` then adds years of older
entries to every passbook (the sample's and the others'), so the page's content is the same
at 10k and at 10M entries and only the history behind it grows.

Bulk loads run with session_replication_role = replica (no triggers: neither the ledger's
trigger that moves balances and keeps the running totals, nor the audit and same-community
triggers); balances and totals are then recomputed set-based, so reconcile_ledger passes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from points import tallies
from points.models import Account, PointRule
from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    Member,
    StaffMembership,
)
from volunteering.models import Activity, Attendance, Project, ProjectCategory

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文"
RECENT = 10  # earned entries per sample household, one every 3 days up to today
STEP = 5000  # rows per bulk_create batch


@dataclass
class Sizes:
    households: int
    sample: int  # households whose passbook pages are loaded
    history_days: int  # grow_history: days of history behind the recent month
    other_every: int  # grow_history: other households get one entry every n days
    roster_rows: int
    participants: int = 200


FULL = Sizes(households=100_000, sample=1000, history_days=2010, other_every=25, roster_rows=10_000)
QUICK = Sizes(households=2000, sample=100, history_days=400, other_every=25, roster_rows=1000)


@dataclass
class World:
    community: Community
    admin: object
    compound: Compound
    import_compound: Compound
    project: Project
    sample_households: list[int]
    sample_accounts: tuple[int, int]  # first and last account id of the sample
    member_ids: list[int] = field(default_factory=list)  # first members, for attendance


def has_real_data() -> bool:
    return Household.objects.exists() or get_user_model().objects.exists()


def _replica(cursor) -> None:
    cursor.execute("SET LOCAL session_replication_role = replica")


def _name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 7) % len(GIVEN)] + GIVEN[(i // 3) % len(GIVEN)]


def build_world(sizes: Sizes) -> World:
    """Households, members, accounts, a project and a rule, the sample's recent activity."""
    User = get_user_model()
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        _replica(cursor)
        community = Community.objects.create(
            name="基准测试居民区",
            slug="bench",
            passbook_prefix="BN",
            passbook_serial=sizes.households,
        )
        admin = User.objects.create_user("bench_admin", password=None, first_name="基准")
        StaffMembership.objects.create(
            user=admin, community=community, role=StaffMembership.Role.ADMIN
        )
        compound = Compound.objects.create(community=community, name="基准苑")
        import_compound = Compound.objects.create(community=community, name="导入苑")
        BuildingGroup.objects.create(community=community, compound=compound, name="1号楼组")
        category = ProjectCategory.objects.create(community=community, name="环境卫生")
        project = Project.objects.create(community=community, category=category, name="楼道清扫")
        PointRule.objects.create(
            community=community,
            starts_on=datetime.date(2015, 1, 1),
            points_per_session=2,
            created_by=admin,
        )
        households = [
            Household(
                community=community,
                passbook_number=f"BN-{i + 1:06d}",
                compound=compound,
                building=str(i // 100 + 1),
                room=str(101 + i % 100),
                phone=f"139{i:08d}",
            )
            for i in range(sizes.households)
        ]
        Household.objects.bulk_create(households, batch_size=STEP)
        members = [
            Member(
                community=community,
                household=h,
                name=_name(i),
                gender="M" if i % 2 else "F",
                birth_year=1940 + i % 60,
                phone=f"138{i:08d}",
            )
            for i, h in enumerate(households)
        ]
        Member.objects.bulk_create(members, batch_size=STEP)
        accounts = [Account(community=community, household=h) for h in households]
        Account.objects.bulk_create(accounts, batch_size=STEP)

        sample = households[: sizes.sample]
        activities = [
            Activity(
                community=community,
                project=project,
                title=f"楼道清扫 第{j + 1}次",
                date=today - datetime.timedelta(days=3 * (RECENT - 1 - j)),
                hours=Decimal(2),
                submission_key=__import__("uuid").uuid4(),
                created_by=admin,
            )
            for j in range(RECENT)
        ]
        Activity.objects.bulk_create(activities)
        Attendance.objects.bulk_create(
            [
                Attendance(
                    community=community,
                    activity=activity,
                    member=members[i],
                    hours=Decimal(2),
                    status=Attendance.Status.APPROVED,
                    recorded_by=admin,
                    reviewed_by=admin,
                    reviewed_at=timezone.now(),
                )
                for activity in activities
                for i in range(len(sample))
            ],
            batch_size=STEP,
        )
    world = World(
        community=community,
        admin=admin,
        compound=compound,
        import_compound=import_compound,
        project=project,
        sample_households=[h.pk for h in sample],
        sample_accounts=(accounts[0].pk, accounts[len(sample) - 1].pk),
        member_ids=[m.pk for m in members],
    )
    post_recent(world)
    return world


COLUMNS = (
    "community_id, account_id, kind, amount, balance_after, member_id, stream, attendance_id,"
    " activity_id, rule_id, calculation, reason, occurred_on, created_by_id, created_at"
)

RECENT_SQL = f"""
INSERT INTO points_ledgerentry ({COLUMNS})
SELECT a.community_id, a.id, 'earn', 2,
    a.balance + 2 * row_number() OVER (PARTITION BY a.id ORDER BY act.date, act.id),
    att.member_id, 'value_added', att.id, act.id, NULL, '每次 2 分', '', act.date,
    %(by)s, act.date + time '10:00'
FROM volunteering_attendance att
JOIN volunteering_activity act ON act.id = att.activity_id
JOIN residents_member m ON m.id = att.member_id
JOIN points_account a ON a.household_id = m.household_id
WHERE att.community_id = %(community)s
ORDER BY act.date, act.id, a.id
"""

# One chunk of history: `days` back from `end`, oldest first; the sample's passbooks get an
# entry every day, every other passbook one every `every` days (a different day each).
HISTORY_SQL = f"""
INSERT INTO points_ledgerentry ({COLUMNS})
SELECT community_id, id, 'adjust', 2,
    balance + 2 * row_number() OVER (PARTITION BY id ORDER BY d DESC),
    NULL, 'value_added', NULL, NULL, NULL, '', '历史积分（基准数据）',
    %(end)s::date - d::int, %(by)s, (%(end)s::date - d::int) + time '09:00'
FROM (
    SELECT a.community_id, a.id, a.balance, d
    FROM points_account a CROSS JOIN generate_series(%(lo)s, %(hi)s) AS d
    WHERE a.community_id = %(community)s AND a.id BETWEEN %(s0)s AND %(s1)s
    UNION ALL
    SELECT a.community_id, a.id, a.balance, d
    FROM points_account a,
        generate_series(
            %(lo)s + ((%(every)s - (%(lo)s + a.id) %% %(every)s) %% %(every)s),
            %(hi)s, %(every)s
        ) AS d
    WHERE a.community_id = %(community)s AND a.id NOT BETWEEN %(s0)s AND %(s1)s
) AS rows
ORDER BY d DESC, id
"""

# Stored balances moved by what was just inserted (the ledger trigger's work, set-based).
BALANCES_SQL = """
UPDATE points_account a SET balance = a.balance + s.total, updated_at = now()
FROM (
    SELECT account_id, SUM(amount) AS total FROM points_ledgerentry
    WHERE id > %(after)s GROUP BY account_id
) s
WHERE s.account_id = a.id
"""


def _last_entry_id(cursor) -> int:
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM points_ledgerentry")
    return cursor.fetchone()[0]


def post_recent(world: World) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        _replica(cursor)
        after = _last_entry_id(cursor)
        cursor.execute(RECENT_SQL, {"by": world.admin.pk, "community": world.community.pk})
        cursor.execute(BALANCES_SQL, {"after": after})
        # The running totals the ledger's trigger would have kept (it was off for the load).
        cursor.execute(tallies.rebuild_sql())
        # Fresh statistics for the planner, as autovacuum would gather on a live database.
        cursor.execute("ANALYZE")


def grow_history(world: World, sizes: Sizes, progress=print) -> None:
    """Rebuild the ledger with years of history before the sample's recent month: the
    recent entries are removed and posted again after the history (ids stay in time order)."""
    today = timezone.localdate()
    end = today - datetime.timedelta(days=3 * RECENT)
    with transaction.atomic(), connection.cursor() as cursor:
        _replica(cursor)
        cursor.execute("DELETE FROM points_ledgerentry")
        cursor.execute("UPDATE points_account SET balance = 0")
    indexes = _drop_plain_indexes()
    try:
        _load_history(world, sizes, end, progress)
    finally:
        progress(f"  recreating {len(indexes)} indexes …")
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for definition in indexes:
                cursor.execute(definition)
    post_recent(world)
    with connection.cursor() as cursor:
        # Every table, as autovacuum would have by then on a live database (the visibility
        # map lets counts read an index alone).
        cursor.execute("VACUUM ANALYZE")


# Plain indexes of the ledger (not those behind a constraint): dropped for the bulk load and
# built again afterwards, the usual way to load millions of rows.
PLAIN_INDEXES_SQL = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = 'points_ledgerentry'::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
"""


def _drop_plain_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(PLAIN_INDEXES_SQL)
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _load_history(world: World, sizes: Sizes, end: datetime.date, progress) -> None:
    chunk = 100
    for hi in range(sizes.history_days, 0, -chunk):
        lo = max(1, hi - chunk + 1)
        with transaction.atomic(), connection.cursor() as cursor:
            _replica(cursor)
            cursor.execute("SET LOCAL work_mem = '64MB'")
            after = _last_entry_id(cursor)
            cursor.execute(
                HISTORY_SQL,
                {
                    "end": end,
                    "by": world.admin.pk,
                    "lo": lo,
                    "hi": hi,
                    "every": sizes.other_every,
                    "community": world.community.pk,
                    "s0": world.sample_accounts[0],
                    "s1": world.sample_accounts[1],
                },
            )
            inserted = cursor.rowcount
            cursor.execute(BALANCES_SQL, {"after": after})
        progress(f"  history days {hi}…{lo}: {inserted:,} entries")


def entry_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM points_ledgerentry")
        return cursor.fetchone()[0]


def sample_entry_count(world: World) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM points_ledgerentry WHERE account_id = %s",
            [world.sample_accounts[0]],
        )
        return cursor.fetchone()[0]
