"""Writing set-based: the queries do not grow with the rows, and progress is reported every
thousand rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from residents.models import Member
from tests.residents.importing.roster import DIGITS, csv_file, do_import, person

pytestmark = pytest.mark.django_db


def test_writes_are_set_based_the_queries_do_not_grow_with_the_rows(community, register):
    def queries_for(count: int, room_base: int) -> int:
        people = [
            person(
                室号=str(room_base + n // 2), 姓名=f"居民{n:03d}".translate(DIGITS), 与户主关系=""
            )
            for n in range(count)
        ]
        with CaptureQueriesContext(connection) as captured:
            do_import(community, csv_file(people), name="a.csv")
        return len(captured.captured_queries)

    assert queries_for(20, 1000) == queries_for(400, 2000)
    assert Member.objects.count() == 420


def test_progress_is_reported_every_thousand_rows(community, register):
    people = [
        person(室号=str(1000 + n), 姓名=f"居民{n:04d}".translate(DIGITS)) for n in range(2500)
    ]
    events = []
    do_import(community, csv_file(people), name="a.csv", progress=events.append)

    seen = [(e.stage, e.done) for e in events]
    assert ("read", 1000) in seen and ("read", 2000) in seen
    assert [e for e in seen if e[0] == "check"] == [
        ("check", 1000),
        ("check", 2000),
        ("check", 2500),
    ]
    assert [e for e in seen if e[0] == "write"] == [
        ("write", 1000),
        ("write", 2000),
        ("write", 2500),
    ]
