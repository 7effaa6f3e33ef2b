"""The floor for the passbook page: the same content (balance and the current quarter's
latest entries with who and which activity) with one raw SQL query and string joining."""

from __future__ import annotations

from html import escape

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from points.selectors import PASSBOOK_PAGE_SIZE, quarter_of

SQL = """
SELECT a.balance, e.id, e.kind, e.amount, e.balance_after, e.occurred_on, m.name, act.title
FROM points_account a
LEFT JOIN LATERAL (
    SELECT * FROM points_ledgerentry e
    WHERE e.account_id = a.id AND e.occurred_on BETWEEN %s AND %s
    ORDER BY e.id DESC LIMIT %s
) e ON true
LEFT JOIN residents_member m ON m.id = e.member_id
LEFT JOIN volunteering_activity act ON act.id = e.activity_id
WHERE a.household_id = %s
ORDER BY e.id DESC
"""


def passbook_floor(request: HttpRequest, household_id: int) -> HttpResponse:
    period = quarter_of(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(SQL, [period.start, period.end, PASSBOOK_PAGE_SIZE + 1, household_id])
        rows = cursor.fetchall()
    if not rows:
        return HttpResponse(status=404)
    lines = [f"<html><body><h1>{rows[0][0]}</h1><table>"]
    for _, pk, kind, amount, after, day, name, title in rows[:PASSBOOK_PAGE_SIZE]:
        if pk is not None:
            lines.append(
                f"<tr><td>{day}</td><td>{kind}</td><td>{escape(name or '')}</td>"
                f"<td>{escape(title or '')}</td><td>{amount:+d}</td><td>{after}</td></tr>"
            )
    lines.append("</table></body></html>")
    return HttpResponse("".join(lines))
