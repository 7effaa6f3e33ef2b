"""The running totals the ledger keeps (MonthTally, AccountTally, MemberTally), in SQL.

The same statements serve three callers, so the rule of what counts lives here once:
- the ledger's statement trigger (migration 0012) adds up the entries a statement inserted
  (the transition table `posted`) into the totals, in the same statement;
- `rebuild_sql()` computes them from every entry (the migration's backfill; a bulk load that
  went round the triggers, like the benchmark's);
- `mismatches_sql()` compares the stored totals with the entries (`reconcile_ledger`).

What counts: an earn entry, or a reversal of one, is earned; a redeem entry, or a reversal
of one (a cancelled redemption), is redeemed, kept positive. By `occurred_on`, the date the
points belong to, as the standings and the dashboard have always counted.
"""

from __future__ import annotations

from django.db import connection


def classified(source: str) -> str:
    """The earning and redeeming entries of `source` (a table or transition table with the
    ledger's columns) with what each counts as (`what`: earn or redeem)."""
    return f"""
        SELECT e.community_id, e.account_id, e.member_id, e.stream, e.amount, e.occurred_on,
            CASE WHEN e.kind = 'reverse' THEN r.kind ELSE e.kind END AS what
        FROM {source} e
        LEFT JOIN public.points_ledgerentry r ON e.kind = 'reverse' AND r.id = e.reverses_id
        WHERE e.kind IN ('earn', 'redeem', 'reverse')
    """


def _months(source: str) -> str:
    return f"""
        SELECT community_id, date_trunc('month', occurred_on)::date AS month,
            COALESCE(sum(amount) FILTER (WHERE what = 'earn'), 0) AS earned,
            -COALESCE(sum(amount) FILTER (WHERE what = 'redeem'), 0) AS redeemed
        FROM ({classified(source)}) c WHERE what IN ('earn', 'redeem')
        GROUP BY 1, 2
    """


def _accounts(source: str) -> str:
    return f"""
        SELECT community_id, date_trunc('quarter', occurred_on)::date AS quarter, account_id,
            sum(amount) AS earned
        FROM ({classified(source)}) c WHERE what = 'earn'
        GROUP BY 1, 2, 3
    """


def _members(source: str) -> str:
    return f"""
        SELECT community_id, date_trunc('quarter', occurred_on)::date AS quarter, member_id,
            COALESCE(sum(amount) FILTER (WHERE stream = 'base'), 0) AS base,
            COALESCE(sum(amount) FILTER (WHERE stream = 'value_added'), 0) AS value_added
        FROM ({classified(source)}) c WHERE what = 'earn' AND member_id IS NOT NULL
        GROUP BY 1, 2, 3
    """


def add_posted_sql(source: str = "posted") -> str:
    """Three statements adding what `source` posted to the totals (rows locked in key order,
    so two postings meet on a total in the same order)."""
    return f"""
    INSERT INTO public.points_monthtally AS t (community_id, month, earned, redeemed)
        SELECT * FROM ({_months(source)}) s ORDER BY 1, 2
        ON CONFLICT (community_id, month) DO UPDATE
        SET earned = t.earned + EXCLUDED.earned, redeemed = t.redeemed + EXCLUDED.redeemed;
    INSERT INTO public.points_accounttally AS t (community_id, quarter, account_id, earned)
        SELECT * FROM ({_accounts(source)}) s ORDER BY 1, 2, 3
        ON CONFLICT (community_id, quarter, account_id) DO UPDATE
        SET earned = t.earned + EXCLUDED.earned;
    INSERT INTO public.points_membertally AS t
            (community_id, quarter, member_id, base, value_added)
        SELECT * FROM ({_members(source)}) s ORDER BY 1, 2, 3
        ON CONFLICT (community_id, quarter, member_id) DO UPDATE
        SET base = t.base + EXCLUDED.base, value_added = t.value_added + EXCLUDED.value_added;
    """


def rebuild_sql() -> str:
    """Every total computed again from every entry."""
    return f"""
    DELETE FROM public.points_monthtally;
    DELETE FROM public.points_accounttally;
    DELETE FROM public.points_membertally;
    {add_posted_sql("public.points_ledgerentry")}
    """


def rebuild() -> None:
    with connection.cursor() as cursor:
        cursor.execute(rebuild_sql())


# (table, key columns, value columns, the computation from every entry)
_TABLES = (
    ("points_monthtally", ("community_id", "month"), ("earned", "redeemed"), _months),
    ("points_accounttally", ("community_id", "quarter", "account_id"), ("earned",), _accounts),
    (
        "points_membertally",
        ("community_id", "quarter", "member_id"),
        ("base", "value_added"),
        _members,
    ),
)


def mismatches() -> dict[str, int]:
    """For each total, how many of its rows differ from what the entries add up to (a row
    missing on either side counts, unless all its numbers are zero)."""
    found = {}
    with connection.cursor() as cursor:
        for table, keys, values, computed in _TABLES:
            join = " AND ".join(f"s.{k} = c.{k}" for k in keys)
            differs = " OR ".join(f"COALESCE(s.{v}, 0) <> COALESCE(c.{v}, 0)" for v in values)
            cursor.execute(
                f"SELECT count(*) FROM public.{table} s "
                f"FULL JOIN ({computed('public.points_ledgerentry')}) c ON {join} "
                f"WHERE {differs}"
            )
            found[table] = cursor.fetchone()[0]
    return found
