"""The base standard's arithmetic: which months' dues and how many meetings a period asks
for, on a given day, and how a shortfall is said."""

from __future__ import annotations

import datetime

import pytest

from party.selectors import StandingRow, chinese_count, meetings_due, months_due
from residents.reporting import Period

D = datetime.date


@pytest.mark.parametrize(
    ("period", "today", "months", "meetings"),
    [
        (Period(2026, 3), D(2026, 12, 5), 3, 2),  # a past quarter: all of it
        (Period(2026, 4), D(2026, 12, 5), 2, 2),  # under way: October and November so far
        (Period(2026, 4), D(2026, 10, 1), 0, 2),  # its first day: no month over yet
        (Period(2027, 1), D(2026, 12, 5), 0, 0),  # not begun
        (Period(2026), D(2026, 12, 5), 11, 8),  # the year so far
        (Period(2025), D(2026, 12, 5), 12, 8),
    ],
)
def test_a_period_asks_for_each_ended_months_dues_and_meetings_for_each_begun_quarter(
    period, today, months, meetings
):
    assert months_due(period, today) == months
    assert meetings_due(period, today, 2) == meetings


def test_a_shortfall_reads_as_the_branch_says_it():
    row = StandingRow(rank=1, member=None, dues_paid=2, dues_required=3, meetings=1)
    row.meetings_required = 3
    assert row.shortfalls == ["三个月党费 2/3", "组织生活 1/3"]
    assert not row.meets_standard
    assert StandingRow(rank=1, member=None, dues_paid=1, dues_required=2).shortfalls == [
        "两个月党费 1/2"
    ]
    assert StandingRow(rank=1, member=None).meets_standard  # nothing asked yet
    assert chinese_count(12) == "十二" and chinese_count(10) == "十"


def test_a_shortfall_in_english_counts_the_months_in_digits():
    from django.utils import translation

    row = StandingRow(rank=1, member=None, dues_paid=2, dues_required=3, meetings=1)
    row.meetings_required = 3
    with translation.override("en"):
        assert row.shortfalls == ["Dues for 3 months 2/3", "Organisational life 1/3"]
    with translation.override("en"):
        assert StandingRow(rank=1, member=None, dues_paid=0, dues_required=1).shortfalls == [
            "Dues for 1 month 0/1"
        ]
