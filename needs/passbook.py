"""The resident's own wishes on their passbook page: a panel of the page (points.panels),
registered in NeedsConfig.ready()."""

from __future__ import annotations

import datetime
from functools import cache

from django.db import connection

from needs.models import Need
from points.panels import PassbookPanel
from residents.models import Household

SHOWN = 5
# What the card shows of a wish; the other fields are deferred, as with QuerySet.only().
FIELDS = ("id", "text", "state", "confirmed", "created_at")
_NOT_READ = object()


def _column(name: str) -> str:
    return f'"{Need._meta.get_field(name).column}"'


def _latest(community: str, household: str) -> str:
    """The card's wishes of the household named by these two SQL expressions."""
    return (
        f'SELECT {", ".join(_column(name) for name in FIELDS)} FROM "{Need._meta.db_table}"'
        f" WHERE {_column('community')} = {community} AND {_column('household')} = {household}"
        f" ORDER BY {_column('created_at')} DESC, {_column('id')} DESC LIMIT {SHOWN}"
    )


@cache
def _wishes_sql() -> str:
    """The statement, written once from the model's own columns (the card renders on every
    passbook page, and the ORM would build and compile the same query each time)."""
    return _latest("%s", "%s")


@cache
def wishes_read() -> str:
    """The same rows as one JSON value, read by the passbook page's own statement (the
    household's row is `h` there): the card then costs the page no query."""
    columns = ", ".join(f"w.{_column(name)}" for name in FIELDS)
    order = f"w.{_column('created_at')} DESC, w.{_column('id')} DESC"
    return (
        f"SELECT json_agg(json_build_array({columns}) ORDER BY {order})"
        f" FROM ({_latest('h.community_id', 'h.id')}) w"
    )


def wishes_card(household: Household, read=_NOT_READ) -> dict:
    """The household's latest wishes and where each has got to: one query, or none when
    the page's statement has read them (`read`: a JSON list of [id, text, state, confirmed,
    created_at])."""
    if read is _NOT_READ:
        with connection.cursor() as cursor:
            cursor.execute(_wishes_sql(), [household.community_id, household.pk])
            rows = cursor.fetchall()
    else:
        rows = [
            (pk, text, state, confirmed, datetime.datetime.fromisoformat(created_at))
            for pk, text, state, confirmed, created_at in read or []
        ]
    return {"wishes": [Need.from_db(connection.alias, FIELDS, row) for row in rows]}


WISHES_PANEL = PassbookPanel(
    name="needs.wishes",
    order=20,
    template="needs/resident/_wishes_card.html",
    context=wishes_card,
    read=wishes_read(),
)
