"""Model-based test: random sequences of the real services (earning, review, corrections,
redemption rounds with every balance policy) against a pure-Python model of the passbooks.

After every step the database must equal the model: each stored balance, the sum of each
account's entries, the stock taken per item, the money spent per round, the round states and
the counts of entries, redemptions and attendance. A service refuses (ValidationError with a
Chinese message) exactly when the model says it must, with the reason the model expects, and a
refusal changes nothing. A second community's data never changes.

Each Hypothesis example starts clean: its rows are made inside a savepoint that is rolled back
when the example ends. The run is seeded: a fixed seed when CI is set, a random one otherwise
(printed on failure); STATE_MACHINE_SEED=<n> replays a run.
"""

from __future__ import annotations

import datetime
import os
import random
import time
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    run_state_machine_as_test,
)

from points.models import Account, LedgerEntry
from redemption.models import Redemption, Round, RoundItem
from tests.factories import HouseholdFactory, MemberFactory
from tests.reliability.state_machine.earning import EarningRules
from tests.reliability.state_machine.redeeming import RedemptionRules
from tests.reliability.state_machine.world import (
    APPROVED,
    BUDGETS,
    CAPS,
    CHINESE,
    DAILY_CAP,
    ITEMS,
    MAX_EXAMPLES,
    OPEN,
    POLICIES,
    STEPS,
    Stats,
    World,
)
from volunteering.models import Attendance

pytestmark = [pytest.mark.django_db, pytest.mark.long]


class PassbookMachine(EarningRules, RedemptionRules, RuleBasedStateMachine):
    world: World
    stats: Stats

    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()  # rolled back in teardown: a clean start
        self.stats.examples += 1
        self.households: list = []
        self.members: list = []  # (member, household index)
        self.balance: dict[int, int] = {}
        self.attendances: list[dict] = []
        self.rounds: list[dict] = []
        self.redemptions: list[dict] = []
        self.entries: Counter[str] = Counter()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # Helpers ---------------------------------------------------------------------------

    def count(self, name: str) -> None:
        self.stats.rules[name] += 1

    def refused(self, expected: str, call) -> None:
        """`call` must raise ValidationError for `expected` (an error code, or "field:<name>"
        for a form-field error) with a message in Chinese."""
        try:
            call()
        except ValidationError as error:
            if expected.startswith("field:"):
                field = expected.removeprefix("field:")
                if not hasattr(error, "error_dict") or field not in error.message_dict:
                    self.stats.mismatches += 1
                    raise AssertionError(f"expected a {field!r} refusal, got {error!r}") from error
                message = error.message_dict[field][0]
            else:
                code = getattr(error, "code", None)
                if code != expected:
                    self.stats.mismatches += 1
                    raise AssertionError(f"expected refusal {expected!r}, got {error!r}") from error
                message = error.messages[0]
            assert CHINESE.search(message), message
            self.stats.refusals[expected] += 1
        else:
            self.stats.mismatches += 1
            raise AssertionError(f"the model expected a refusal ({expected}); the service agreed")

    def pick(self, items: list, index: int):
        return items[index % len(items)]

    def open_round_index(self) -> int | None:
        found = [i for i, r in enumerate(self.rounds) if r["status"] == OPEN]
        return found[0] if found else None

    def net_earned(self, member_index: int, day: datetime.date) -> int:
        return sum(
            a["points"]
            for a in self.attendances
            if a["member"] == member_index and a["day"] == day and a["status"] == APPROVED
        )

    # Rules -----------------------------------------------------------------------------

    @initialize(
        households=st.lists(
            st.tuples(st.integers(min_value=1, max_value=2), st.sampled_from([0, 20, 60, 100])),
            min_size=2,
            max_size=4,
        )
    )
    def households_join(self, households):
        """2-4 households of our community, each with one or two members, some with points
        to start with (an opening adjustment)."""
        for index, (members, points) in enumerate(households):
            household = HouseholdFactory(community=self.world.community)
            self.households.append(household)
            self.balance[index] = 0
            for _ in range(members):
                self.members.append((MemberFactory(household=household), index))
            if points:
                self.adjust(index, points, "开户积分")

    @initialize(policy=POLICIES, cap=CAPS, budget=BUDGETS, items=ITEMS)
    def a_round_is_open(self, policy, cap, budget, items):
        """Usually a round is open at the counter when the sequence starts."""
        self.plan_round(policy, cap, budget, items, 1)
        self.open_round(0)

    # The database against the model, after every step ---------------------------------

    @invariant()
    def database_equals_the_model(self):
        self.stats.steps += 1
        try:
            self._compare()
        except AssertionError:
            self.stats.mismatches += 1
            raise

    def _compare(self):
        community = self.world.community
        accounts = {
            row["household_id"]: row
            for row in Account.objects.filter(community=community)
            .annotate(summed=Sum("entries__amount"))
            .values("household_id", "balance", "summed")
        }
        for index, household in enumerate(self.households):
            row = accounts.get(household.pk, {"balance": 0, "summed": 0})
            stored, summed = row["balance"], row["summed"] or 0
            assert stored == summed == self.balance[index] >= 0, (
                f"household {index}: stored {stored}, entries {summed}, model {self.balance[index]}"
            )
        kinds = dict(
            LedgerEntry.objects.filter(community=community)
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
        assert kinds == {k: n for k, n in self.entries.items() if n}, (kinds, self.entries)

        statuses = Counter(
            dict(
                Attendance.objects.filter(community=community)
                .values_list("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
        )
        assert statuses == Counter(a["status"] for a in self.attendances), statuses

        rounds = {
            r["pk"]: r
            for r in Round.objects.filter(community=community).values(
                "pk",
                "status",
                "spent_yuan",
                "receipt_serial",
                "expired_households",
                "expired_points",
            )
        }
        taken = dict(RoundItem.objects.filter(community=community).values_list("pk", "taken"))
        assert len(rounds) == len(self.rounds)
        for model in self.rounds:
            row = rounds[model["obj"].pk]
            assert row["status"] == model["status"], (row, model["status"])
            assert row["spent_yuan"] == model["spent"], (row, model["spent"])
            assert row["receipt_serial"] == model["serial"]
            assert (row["expired_households"], row["expired_points"]) == model["expired"]
            for item in model["items"]:
                assert taken[item["obj"].pk] == item["taken"], (item, taken)

        counts = Redemption.objects.filter(community=community).aggregate(
            total=Count("pk"), cancelled=Count("pk", filter=Q(cancelled_at__isnull=False))
        )
        assert counts == {
            "total": len(self.redemptions),
            "cancelled": sum(r["cancelled"] for r in self.redemptions),
        }, counts
        assert self.world.snapshot_other() == self.world.other_snapshot, "other community changed"


def test_random_sequences_of_services_keep_the_database_equal_to_the_model(
    community, other_community, reliability
):
    PassbookMachine.world = World(community, other_community)
    PassbookMachine.stats = stats = Stats()
    default = "20261121" if os.environ.get("CI") else str(random.randrange(2**32))
    run_seed = int(os.environ.get("STATE_MACHINE_SEED", default))
    started = time.perf_counter()
    try:
        run_state_machine_as_test(
            seed(run_seed)(PassbookMachine),
            settings=settings(
                max_examples=MAX_EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    except BaseException as error:
        error.add_note(f"State machine seed {run_seed}: replay with STATE_MACHINE_SEED={run_seed}")
        raise
    seconds = time.perf_counter() - started

    assert stats.mismatches == 0
    assert stats.examples >= MAX_EXAMPLES
    refusals = sum(stats.refusals.values())
    reliability.record(
        "Model-based test of the ledger and redemption services",
        "Random operation sequences against a pure-Python model",
        tried=(
            "A Hypothesis state machine drove the real services — recording attendance, "
            "approve, reject, undo approval, adjust, plan/open/close rounds with the carry, "
            "clear and cap policies, redeem, resubmit the same form, cancel, and attempts "
            "across the tenant boundary — on 2-4 households with a daily cap of "
            f"{DAILY_CAP} points. After every step it compared each stored balance, the sum "
            "of each account's entries, stock taken, money spent, round states and the "
            "counts of entries, redemptions and attendance with the model, and checked that "
            "a second community's rows did not change."
        ),
        figures={
            "seed": run_seed,
            "examples run": stats.examples,
            "steps executed, each compared with the database": stats.steps,
            **{f"service call: {name}": n for name, n in sorted(stats.rules.items())},
            **{name: n for name, n in sorted(stats.done.items())},
            "refusals predicted by the model and matched": refusals,
            **{f"refusal: {code}": n for code, n in sorted(stats.refusals.items())},
            "mismatches": stats.mismatches,
            "seconds": round(seconds, 1),
        },
        held=(
            "The database equalled the model after every step; every refusal came exactly "
            "when the model predicted it, with its reason in Chinese, and changed nothing; "
            "the other community's data never changed."
        ),
    )
