"""The ledger and the stock under load: 50 requests released at the same instant by a
barrier, each thread on its own PostgreSQL connection (the test's own connection is closed
first, so at most 50 are open). Each experiment asserts its guarantees and records what it
measured for docs/reliability.md."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from points import services as points_services
from points.models import Account, LedgerEntry
from redemption import services
from redemption.models import Redemption, RedemptionLine, RoundItem
from residents.transactions import conflict_kind, conflicts
from tests.concurrency import Together
from tests.concurrency import at_once as run_together
from tests.factories import HouseholdFactory, MemberFactory, ProjectFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import give_points, open_round_with
from tests.reliability.books import books_balance
from tests.volunteering.factories import ActivityFactory, AttendanceFactory
from volunteering.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)

SECTION = "Concurrency: ledger and stock"
WORKERS = 50


@dataclass
class Outcome(Together):
    conflicts: dict[str, int] = field(default_factory=dict)

    @property
    def surfaced_conflicts(self) -> int:
        """Deadlocks and serialization failures that reached a caller."""
        return sum(1 for error in self.errors if conflict_kind(error)) + self.conflicts["surfaced"]

    def refusals_by_kind(self) -> str:
        """e.g. `insufficient × 33 (「存折 SX-0001 的余额（5 分）不够扣减 10 分。」)`."""
        counts = Counter(refusal.code for refusal in self.refusals)
        example = {refusal.code: refusal.messages[0] for refusal in self.refusals}
        return "; ".join(f"{code} × {n} (「{example[code]}」)" for code, n in counts.items()) or "—"


def at_once(workers) -> Outcome:
    """The shared release (tests/concurrency.py), with the retries it caused; the test's own
    connection is closed first so no more than WORKERS are open."""
    assert len(workers) <= WORKERS
    connection.close()  # the test's own; reopened when the test next queries
    before = conflicts.snapshot()
    together = run_together(workers)
    return Outcome(
        together.results,
        together.refusals,
        together.errors,
        together.seconds,
        conflicts=conflicts.since(before),
    )


def redeeming(community, household, item, clerk, *, quantity=1, key=None):
    return lambda: services.redeem(
        community=community,
        household=household,
        quantities={item.pk: quantity},
        submission_key=key or uuid.uuid4(),
        by=clerk,
    )


@dataclass
class Books:
    overdrafts: int
    oversold: int
    stock_mismatches: int
    duplicates: int
    unbalanced_accounts: int
    reconcile: str


def check_books() -> Books:
    """The invariants after a run, counted (all must be 0) and `reconcile_ledger`'s line
    (it raises CommandError, a non-zero exit, on any difference)."""
    overdrafts = (
        Account.objects.filter(balance__lt=0).count()
        + LedgerEntry.objects.filter(balance_after__lt=0).count()
    )
    lines = (
        RedemptionLine.objects.filter(item=OuterRef("pk"), redemption__cancelled_at__isnull=True)
        .order_by()
        .values("item")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    items = RoundItem.objects.annotate(handed=Coalesce(Subquery(lines), 0))
    oversold = RoundItem.objects.filter(taken__gt=F("stock")).count()
    stock_mismatches = items.exclude(taken=F("handed")).count()
    duplicates = (
        Redemption.objects.values("community", "submission_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
        + Redemption.objects.values("number").annotate(n=Count("pk")).filter(n__gt=1).count()
        + LedgerEntry.objects.filter(kind="earn")
        .values("attendance")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    unbalanced, summary = books_balance()
    return Books(overdrafts, oversold, stock_mismatches, duplicates, unbalanced, summary)


def assert_and_record(reliability, title, *, tried, outcome, books, held, **extra):
    assert outcome.errors == []
    assert outcome.surfaced_conflicts == 0
    assert books.overdrafts == 0
    assert books.oversold == 0
    assert books.stock_mismatches == 0
    assert books.duplicates == 0
    assert books.unbalanced_accounts == 0
    reliability.record(
        SECTION,
        title,
        tried=tried,
        figures={
            "attempted": len(outcome.results) + len(outcome.refusals) + len(outcome.errors),
            **extra,
            "succeeded": len(outcome.results),
            "refused": len(outcome.refusals),
            "refused, by kind": outcome.refusals_by_kind(),
            "unexpected errors": len(outcome.errors),
            "overdrafts (balance < 0)": books.overdrafts,
            "oversold (taken > stock)": books.oversold,
            "stock counter ≠ lines handed out": books.stock_mismatches,
            "duplicates (receipt, submission, earn)": books.duplicates,
            "deadlocks / serialization failures surfaced": outcome.surfaced_conflicts,
            "deadlocks / serialization failures retried": outcome.conflicts["retried"],
            "accounts whose balance ≠ sum of entries": books.unbalanced_accounts,
            "reconcile_ledger": f"exit 0 — {books.reconcile.strip()}",
            "wall time": f"{outcome.seconds:.2f} s",
        },
        held=held,
    )


def test_fifty_redemptions_at_once_succeed_exactly_as_often_as_the_balance_allows(
    community, reliability
):
    clerk = UserFactory()
    household = HouseholdFactory(community=community)
    give_points(household, 175)  # 17 redemptions of 10 points, 5 left over
    _round, (item,) = open_round_with(community)

    outcome = at_once([redeeming(community, household, item, clerk) for _ in range(WORKERS)])
    books = check_books()

    assert (len(outcome.results), len(outcome.refusals)) == (17, 33)
    assert {refusal.code for refusal in outcome.refusals} == {"insufficient"}
    assert Account.objects.get(household=household).balance == 5
    item.refresh_from_db()
    assert item.taken == 17
    assert_and_record(
        reliability,
        "50 redemptions at once against a balance that allows 17",
        tried="One household with 175 points; 50 counters redeem a 10-point item for it at "
        "the same instant.",
        outcome=outcome,
        books=books,
        held="Exactly 17 went through, the other 33 were refused with the balance message; "
        "the passbook ends at 5 points and the item's counter at 17.",
        **{"balance allows": 17, "final balance": 5},
    )


def test_fifty_households_at_once_never_take_more_than_the_stock(community, reliability):
    clerk = UserFactory()
    households = [HouseholdFactory(community=community) for _ in range(WORKERS)]
    for household in households:
        give_points(household, 100)
    _round, (item,) = open_round_with(community)
    RoundItem.objects.filter(pk=item.pk).update(stock=20)

    outcome = at_once([redeeming(community, h, item, clerk) for h in households])
    books = check_books()

    assert (len(outcome.results), len(outcome.refusals)) == (20, 30)
    assert {refusal.code for refusal in outcome.refusals} == {"stock"}
    item.refresh_from_db()
    assert (item.taken, item.stock) == (20, 20)
    assert len({r.number for r in outcome.results}) == 20
    assert_and_record(
        reliability,
        "50 households at once for an item with stock 20",
        tried="50 households with 100 points each redeem the same item (stock 20) at the "
        "same instant.",
        outcome=outcome,
        books=books,
        held="Exactly 20 redemptions with 20 distinct receipt numbers; 30 refused with the "
        "stock message; taken = stock = 20.",
        **{"stock": 20, "taken": item.taken},
    )


def test_approvals_and_redemptions_on_one_household_at_once_keep_the_books(community, reliability):
    clerk = UserFactory()
    reviewer = UserFactory()
    PointRuleFactory(
        community=community, starts_on=datetime.date(2020, 1, 1), points_per_session=10
    )
    household = HouseholdFactory(community=community)
    members = [MemberFactory(household=household) for _ in range(5)]
    project = ProjectFactory(community=community)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    pending = [
        AttendanceFactory(
            activity=ActivityFactory(project=project, date=yesterday), member=members[n % 5]
        )
        for n in range(25)
    ]
    give_points(household, 30)  # 3 redemptions' worth before any approval
    _round, (item,) = open_round_with(community, budget_yuan=Decimal("1000"))

    approvals = [
        (
            lambda attendance=attendance: points_services.approve(
                community=community, attendance_ids=[attendance.pk], by=reviewer
            )
        )
        for attendance in pending
    ]
    redemptions = [redeeming(community, household, item, clerk) for _ in range(25)]
    workers = [work for pair in zip(approvals, redemptions, strict=True) for work in pair]
    outcome = at_once(workers)
    books = check_books()

    redeemed = Redemption.objects.filter(household=household).count()
    assert {refusal.code for refusal in outcome.refusals} <= {"insufficient"}
    assert len(outcome.results) == 25 + redeemed
    assert 3 <= redeemed <= 25
    assert LedgerEntry.objects.filter(kind="earn").count() == 25
    assert not Attendance.objects.exclude(status=Attendance.Status.APPROVED).exists()
    balance = Account.objects.get(household=household).balance
    assert balance == 30 + 25 * 10 - 10 * redeemed
    assert_and_record(
        reliability,
        "25 approvals and 25 redemptions on one household at once",
        tried="One household with 30 points and 25 pending attendances worth 10 points "
        "each; 25 reviewers approve one attendance each while 25 counters redeem a 10-point "
        "item for the same household, all at the same instant.",
        outcome=outcome,
        books=books,
        held="Every attendance earned exactly once; a redemption was refused only when the "
        "balance at its moment could not pay; final balance = 30 + 250 − 10 × redemptions.",
        **{
            "approvals succeeded": 25,
            "redemptions succeeded": redeemed,
            "final balance": balance,
        },
    )


def test_one_form_submitted_fifty_times_at_once_makes_one_redemption(community, reliability):
    clerk = UserFactory()
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    _round, (item,) = open_round_with(community)
    key = uuid.uuid4()

    outcome = at_once(
        [redeeming(community, household, item, clerk, quantity=2, key=key) for _ in range(50)]
    )
    books = check_books()

    assert outcome.refusals == []
    assert len({r.pk for r in outcome.results}) == 1
    assert Redemption.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="redeem").count() == 1
    assert Account.objects.get(household=household).balance == 80
    item.refresh_from_db()
    assert item.taken == 2
    assert_and_record(
        reliability,
        "One submission key sent 50 times at once",
        tried="The same counter form (one submission key, 2 items for 20 points) is posted "
        "50 times at the same instant.",
        outcome=outcome,
        books=books,
        held="One redemption, one ledger entry, 20 points taken once; all 50 callers got "
        "the same receipt back.",
        **{"redemptions stored": Redemption.objects.count()},
    )
