"""The resident's passbook page in two reads (issue 21): one statement for the household in
residence with its community and compound, the balance, this quarter's and this year's
earned points, each member's share and the members in residence; one for the page of
entries with their member and activity. The statements are written once, from the models'
own columns, so the page gets whole model instances (as the ORM would give, related
objects included) without the ORM building and compiling seven queries on every request.
The entries' table rows are written here too (`entry_rows`), one string for the template
instead of thirty rows of template logic.

What it shows is what points.selectors.passbook_view shows (tests/points/
test_passbook_page.py compares the two).
"""

from __future__ import annotations

import datetime
from functools import cache
from html import escape
from typing import Any, NamedTuple

from django.db import connection, models
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from points.entry_details import attach_details
from points.models import LedgerEntry
from points.panels import PassbookPanel, passbook_panels
from points.selectors import PASSBOOK_PAGE_SIZE, PassbookView, mask_name
from residents.models import Community, Compound, Household, Member
from residents.reporting import Period, quarter_of
from volunteering.models import Activity


def _columns(
    model: type[models.Model], alias: str, only: tuple[str, ...] = ()
) -> tuple[list[str], str]:
    """The model's columns (or only the named fields': the others are deferred, as with
    QuerySet.only()), as attribute names and as the statement's select list."""
    chosen = [f for f in model._meta.concrete_fields if not only or f.name in only]
    fields = [f.attname for f in chosen]
    return fields, ", ".join(f'{alias}."{f.column}"' for f in chosen)


# What an entry's row shows (entry_rows, entry details): the rest of the entry, its member
# and its activity stays in the database.
ENTRY_FIELDS = (
    "id",
    "community",
    "account",
    "kind",
    "amount",
    "balance_after",
    "member",
    "activity",
    "reason",
    "occurred_on",
    "created_at",
)
MEMBER_FIELDS = ("id", "community", "household", "name")
ACTIVITY_FIELDS = ("id", "community", "title", "date")


def _reading_panels() -> list[PassbookPanel]:
    return [panel for panel in passbook_panels if panel.read is not None]


@cache
def _summary_sql() -> tuple[list[list[str]], str]:
    household, h = _columns(Household, "h")
    community, c = _columns(Community, "c")
    compound, cp = _columns(Compound, "cp")
    member_order = ", ".join(
        f'm."{Member._meta.get_field(name.lstrip("-")).column}"'
        + (" DESC" if name.startswith("-") else "")
        for name in Member._meta.ordering
        if name != "household"
    )
    # What the panels of other apps read (points.panels, PassbookPanel.read), in this
    # statement rather than in a query each.
    panel_reads = "".join(f",\n    ({panel.read})" for panel in _reading_panels())
    sql = f"""
WITH a AS (
    SELECT id, balance FROM points_account WHERE household_id = %(household)s
), earned AS (
    SELECT e.amount, e.occurred_on, e.member_id
    FROM points_ledgerentry e
    LEFT JOIN points_ledgerentry r ON r.id = e.reverses_id
    WHERE e.account_id = (SELECT id FROM a)
      AND e.occurred_on BETWEEN %(year_start)s AND %(year_end)s
      AND (e.kind = 'earn' OR (e.kind = 'reverse' AND r.kind = 'earn'))
)
SELECT {h}, {c}, {cp},
    COALESCE((SELECT balance FROM a), 0),
    (SELECT COALESCE(SUM(amount), 0) FROM earned
      WHERE occurred_on BETWEEN %(quarter_start)s AND %(quarter_end)s),
    (SELECT COALESCE(SUM(amount), 0) FROM earned),
    (SELECT json_agg(json_build_array(m.name, s.points) ORDER BY s.points DESC, m.name)
       FROM (SELECT member_id, SUM(amount) AS points FROM earned
             WHERE member_id IS NOT NULL GROUP BY member_id) s
       JOIN residents_member m ON m.id = s.member_id),
    (SELECT json_agg(m.name ORDER BY {member_order}) FROM residents_member m
      WHERE m.household_id = h.id AND m.is_active){panel_reads}
FROM residents_household h
JOIN residents_community c ON c.id = h.community_id
LEFT JOIN residents_compound cp ON cp.id = h.compound_id
WHERE h.id = %(household)s AND h.status = %(active)s
"""
    return [household, community, compound], sql


@cache
def _entries_sql(with_before: bool) -> tuple[list[list[str]], str]:
    entry, e = _columns(LedgerEntry, "e", ENTRY_FIELDS)
    member, m = _columns(Member, "m", MEMBER_FIELDS)
    activity, act = _columns(Activity, "act", ACTIVITY_FIELDS)
    before = "AND e.id < %(before)s" if with_before else ""
    sql = f"""
SELECT {e}, {m}, {act}
FROM points_ledgerentry e
LEFT JOIN residents_member m ON m.id = e.member_id
LEFT JOIN volunteering_activity act ON act.id = e.activity_id
WHERE e.account_id = (SELECT id FROM points_account WHERE household_id = %(household)s)
  AND e.created_at >= %(start)s AND e.created_at < %(end)s {before}
ORDER BY e.id DESC
LIMIT %(limit)s
"""
    return [entry, member, activity], sql


def _split(row: tuple, groups: list[list[str]]) -> list[tuple]:
    parts, at = [], 0
    for fields in groups:
        parts.append(row[at : at + len(fields)])
        at += len(fields)
    return [*parts, row[at:]]


def _instance(model: type[models.Model], fields: list[str], values: tuple):
    if values[0] is None:  # the primary key: no related row (LEFT JOIN)
        return None
    return model.from_db(connection.alias, fields, values)


class PassbookPage(NamedTuple):
    view: PassbookView
    members: list[str]  # the masked names of the members in residence
    panel_reads: dict[str, Any]  # by panel name: what each panel's `read` found


def passbook_page(
    *, household_id: int, period: Period, before: int | None = None
) -> PassbookPage | None:
    """The page's view, the masked names of the members in residence and what the panels
    read; None when the household is not (or no longer) in residence. Two queries, and one
    for each registered entry detail (points.entry_details) with entries of its kinds on
    the page."""
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    this_quarter, this_year = quarter_of(today), Period(today.year)
    groups, summary_sql = _summary_sql()
    entry_groups, entries_sql = _entries_sql(before is not None)
    with connection.cursor() as cursor:
        cursor.execute(
            summary_sql,
            {
                "household": household_id,
                "active": Household.Status.ACTIVE,
                "year_start": this_year.start,
                "year_end": this_year.end,
                "quarter_start": this_quarter.start,
                "quarter_end": this_quarter.end,
            },
        )
        row = cursor.fetchone()
        if row is None:
            return None
        cursor.execute(
            entries_sql,
            {
                "household": household_id,
                # Listed as written, like a paper passbook: the entries posted (created) on
                # the period's days in the site's time zone (LedgerQuerySet.posted_within).
                "start": datetime.datetime.combine(period.start, datetime.time.min, zone),
                "end": datetime.datetime.combine(
                    period.end + datetime.timedelta(days=1), datetime.time.min, zone
                ),
                "before": before,
                "limit": PASSBOOK_PAGE_SIZE + 1,
            },
        )
        rows = cursor.fetchall()
    h, c, cp, (balance, quarter_points, year_points, shares, names, *reads) = _split(row, groups)
    household = _instance(Household, groups[0], h)
    household._state.fields_cache["community"] = _instance(Community, groups[1], c)
    household._state.fields_cache["compound"] = _instance(Compound, groups[2], cp)
    entries = []
    for entry_row in rows:
        e, m, act, _rest = _split(entry_row, entry_groups)
        entry = _instance(LedgerEntry, entry_groups[0], e)
        entry._state.fields_cache["member"] = _instance(Member, entry_groups[1], m)
        entry._state.fields_cache["activity"] = _instance(Activity, entry_groups[2], act)
        entries.append(entry)
    # What the apps above say about their own entries (redemption: the goods taken), one
    # query per registered detail that has entries of its kinds on the page.
    attach_details(entries[:PASSBOOK_PAGE_SIZE])
    view = PassbookView(
        household=household,
        balance=balance,
        quarter_points=quarter_points,
        year_points=year_points,
        member_points=[(mask_name(name), points) for name, points in shares or [] if points],
        entries=entries[:PASSBOOK_PAGE_SIZE],
        older_cursor=entries[PASSBOOK_PAGE_SIZE - 1].pk
        if len(entries) > PASSBOOK_PAGE_SIZE
        else None,
    )
    return PassbookPage(
        view,
        [mask_name(name) for name in names or []],
        {panel.name: value for panel, value in zip(_reading_panels(), reads, strict=True)},
    )


ROW = (
    '<tr>\n<td class="date"><time datetime="{}">{}</time></td>\n<td class="what">{}{}</td>\n'
    '<td class="num in">{}</td>\n<td class="num out">{}</td>\n'
    '<td class="num bal"><span class="pb-bal-label">{} </span>{}</td>\n</tr>'
)


def _day(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def _what(entry: LedgerEntry) -> str:
    """The 事项 column, as HTML: the activity, the reason, or both, as the passbook words
    them; a redemption names the goods it took (entry.detail, from points.entry_details)."""
    title = entry.activity.title if entry.activity else ""
    if entry.kind == LedgerEntry.Kind.EARN:
        return escape(title)
    if entry.kind == LedgerEntry.Kind.REVERSE:
        return escape(f"{_('撤销')}：{title or entry.reason}")
    if entry.kind == LedgerEntry.Kind.REDEEM:
        goods = getattr(entry, "detail", "") or entry.reason
        return f'<span class="pb-goods">{escape(_("兑换"))}：{escape(goods)}</span>'
    if entry.kind == LedgerEntry.Kind.EXPIRE:
        return escape(entry.reason)
    return escape(f"{_('调整')}：{entry.reason}")


def _small(entry: LedgerEntry, activity_day: str) -> str:
    """Under the 事项, as HTML: the activity's own date (the row's date is the day it was
    posted) and the member, masked."""
    member = mask_name(entry.member.name) if entry.member else ""
    if entry.activity:
        day = activity_day % {"day": _day(entry.occurred_on)}
        who = f" · {member}" if member else ""
        return f'\n<span class="pb-small">{escape(day)}{escape(who)}</span>'
    return f'\n<span class="pb-small">{escape(member)}</span>' if member else ""


def entry_rows(entries: list[LedgerEntry]) -> str:
    """The table rows of the passbook's entries: the day posted (a <time>), what and who,
    in, out, and the balance (labelled for the two-line rows of a narrow phone). Every
    text from the database or a catalogue is escaped here (html.escape, as Django's
    escape); the rest are numbers and dates."""
    balance_label = escape(_("余额"))
    activity_day = _("活动日期 %(day)s")
    rows = []
    for e in entries:
        posted = e.posted_on
        rows.append(
            ROW.format(
                posted.isoformat(),
                _day(posted),
                _what(e),
                _small(e, activity_day),
                f"+{e.amount}" if e.amount > 0 else "",
                e.amount if e.amount < 0 else "",
                balance_label,
                e.balance_after,
            )
        )
    return mark_safe("\n".join(rows))  # each part escaped above
