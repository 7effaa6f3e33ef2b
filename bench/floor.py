"""The floor for the passbook page: the same content as the resident's page, found by the
same key (the resident's session), with two raw SQL queries and string joining.

Content, as on the page: community, passbook number and address; balance; points earned
this quarter and this year; each member's share this year; the open (or last settled)
redemption round with its number of items; the current quarter's latest entries (as posted,
by their day in the site's time zone) with who and which activity. The page's "how to earn
points" list is the same for every household and cached by the application, so the floor
leaves it out. No template, no ORM.
"""

from __future__ import annotations

import datetime
from html import escape

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from points.passbook import resident_household_id
from points.selectors import PASSBOOK_PAGE_SIZE, Period, quarter_of

# Earned points: earn entries and reversals of earn entries (LedgerEntry.objects.earning()).
SUMMARY = """
WITH h AS (
    SELECT h.id, h.passbook_number, h.building, h.unit, h.room, c.name AS community,
           c.id AS community_id, cp.name AS compound, a.id AS account_id,
           COALESCE(a.balance, 0) AS balance
    FROM residents_household h
    JOIN residents_community c ON c.id = h.community_id
    LEFT JOIN residents_compound cp ON cp.id = h.compound_id
    LEFT JOIN points_account a ON a.household_id = h.id
    WHERE h.id = %(household)s AND h.status = 'active'
), earned AS (
    SELECT e.amount, e.occurred_on, e.member_id
    FROM points_ledgerentry e
    LEFT JOIN points_ledgerentry r ON r.id = e.reverses_id
    WHERE e.account_id = (SELECT account_id FROM h)
      AND e.occurred_on BETWEEN %(year_start)s AND %(year_end)s
      AND (e.kind = 'earn' OR (e.kind = 'reverse' AND r.kind = 'earn'))
)
SELECT h.community, h.passbook_number, h.compound, h.building, h.unit, h.room, h.balance,
    (SELECT COALESCE(SUM(amount), 0) FROM earned
      WHERE occurred_on BETWEEN %(quarter_start)s AND %(quarter_end)s),
    (SELECT COALESCE(SUM(amount), 0) FROM earned),
    (SELECT string_agg(m.name || ' ' || s.points, '、' ORDER BY s.points DESC, m.name)
       FROM (SELECT member_id, SUM(amount) AS points FROM earned
             WHERE member_id IS NOT NULL GROUP BY member_id) s
       JOIN residents_member m ON m.id = s.member_id WHERE s.points <> 0),
    (SELECT r.name || ' ' || r.status || ' ' ||
            (SELECT count(*) FROM redemption_rounditem i WHERE i.round_id = r.id)
       FROM redemption_round r
      WHERE r.community_id = h.community_id AND r.status IN ('open', 'closed')
      ORDER BY r.status = 'open' DESC, r.closes_on DESC, r.id DESC LIMIT 1)
FROM h
"""

ENTRIES = """
SELECT e.id, e.kind, e.amount, e.balance_after, e.created_at, m.name, act.title
FROM points_ledgerentry e
LEFT JOIN residents_member m ON m.id = e.member_id
LEFT JOIN volunteering_activity act ON act.id = e.activity_id
WHERE e.account_id = (SELECT id FROM points_account WHERE household_id = %s)
  AND e.created_at >= %s AND e.created_at < %s
ORDER BY e.id DESC LIMIT %s
"""


def passbook_floor(request: HttpRequest) -> HttpResponse:
    household_id = resident_household_id(request)  # the same session lookup as the page
    if household_id is None:
        return HttpResponse(status=403)
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    quarter, year = quarter_of(today), Period(today.year)
    with connection.cursor() as cursor:
        cursor.execute(
            SUMMARY,
            {
                "household": household_id,
                "year_start": year.start,
                "year_end": year.end,
                "quarter_start": quarter.start,
                "quarter_end": quarter.end,
            },
        )
        summary = cursor.fetchone()
        if summary is None:
            return HttpResponse(status=403)
        # The quarter's entries as posted (written), in the site's time zone, like the page.
        posted = [
            datetime.datetime.combine(day, datetime.time.min, zone)
            for day in (quarter.start, quarter.end + datetime.timedelta(days=1))
        ]
        cursor.execute(ENTRIES, [household_id, *posted, PASSBOOK_PAGE_SIZE + 1])
        rows = cursor.fetchall()
    community, number, compound, building, unit, room, balance, q, y, members, rnd = summary
    address = "-".join(str(p) for p in (building, unit, room) if p)
    lines = [
        f"<html><body><p>{escape(community)}</p><h1>{escape(number)}</h1>"
        f"<p>{escape(compound or '')} {escape(address)}</p><p>{balance}</p>"
        f"<p>{q} {y}</p><p>{escape(members or '')}</p><p>{escape(rnd or '')}</p><table>"
    ]
    for _pk, kind, amount, after, posted_at, name, title in rows[:PASSBOOK_PAGE_SIZE]:
        day = timezone.localdate(posted_at)
        lines.append(
            f"<tr><td>{day}</td><td>{kind}</td><td>{escape(name or '')}</td>"
            f"<td>{escape(title or '')}</td><td>{amount:+d}</td><td>{after}</td></tr>"
        )
    lines.append("</table></body></html>")
    return HttpResponse("".join(lines))
