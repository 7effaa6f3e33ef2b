"""The resident's own wishes on their passbook page: a panel of the page (points.panels),
registered in NeedsConfig.ready()."""

from __future__ import annotations

from functools import cache

from django.db import connection

from needs.models import Need
from points.panels import PassbookPanel
from residents.models import Household

SHOWN = 5
# What the card shows of a wish; the other fields are deferred, as with QuerySet.only().
FIELDS = ("id", "text", "state", "confirmed", "created_at")


@cache
def _wishes_sql() -> str:
    """The statement, written once from the model's own columns: the page's panels run on
    every passbook request, and the ORM would build and compile the same query each time."""
    meta = Need._meta
    column = {
        name: f'"{meta.get_field(name).column}"' for name in (*FIELDS, "community", "household")
    }
    return (
        f'SELECT {", ".join(column[name] for name in FIELDS)} FROM "{meta.db_table}"'
        f" WHERE {column['community']} = %s AND {column['household']} = %s"
        f" ORDER BY {column['created_at']} DESC, {column['id']} DESC LIMIT {SHOWN}"
    )


def wishes_card(household: Household) -> dict:
    """The household's latest wishes and where each has got to: one query."""
    with connection.cursor() as cursor:
        cursor.execute(_wishes_sql(), [household.community_id, household.pk])
        rows = cursor.fetchall()
    return {"wishes": [Need.from_db(connection.alias, FIELDS, row) for row in rows]}


WISHES_PANEL = PassbookPanel(
    name="needs.wishes",
    order=20,
    template="needs/resident/_wishes_card.html",
    context=wishes_card,
)
