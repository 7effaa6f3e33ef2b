"""The state machine's rules for redemption: planning, opening and closing rounds with every
balance policy, redeeming (also twice, and across the tenant boundary) and cancelling."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import (
    precondition,
    rule,
)

from points import services as points_services
from redemption import services as redemption_services
from redemption.models import Round
from tests.redemption.factories import RoundFactory, RoundItemFactory
from tests.reliability.state_machine.world import (
    BUDGETS,
    CAPS,
    CLOSED,
    DRAFT,
    INDEX,
    ITEMS,
    LINES,
    OPEN,
    POLICIES,
    REASONS,
)


class RedemptionRules:
    """Rules of PassbookMachine (tests/reliability/test_state_machine.py)."""

    @precondition(lambda self: len(self.rounds) < 4)
    @rule(
        policy=POLICIES,
        cap=CAPS,
        budget=BUDGETS,
        items=ITEMS,
        with_items=st.integers(min_value=0, max_value=5),
    )
    def plan_round(self, policy, cap, budget, items, with_items):
        """A draft round with its items (none, now and then: it cannot open)."""
        self.count("plan_round")
        items = items if with_items else []
        round_ = RoundFactory(
            community=self.world.community,
            created_by=self.world.user,
            balance_policy=policy,
            balance_cap=cap if policy == Round.BalancePolicy.CAP else None,
            budget_yuan=budget,
        )
        offered = []
        for price, cost, stock, limit in items:
            item = RoundItemFactory(
                round=round_,
                point_price=price,
                cost_yuan=cost,
                stock=stock,
                per_household_limit=limit,
            )
            offered.append(
                {
                    "obj": item,
                    "price": price,
                    "cost": cost,
                    "stock": stock,
                    "limit": limit,
                    "taken": 0,
                }
            )
        self.rounds.append(
            {
                "obj": round_,
                "policy": policy,
                "cap": cap,
                "budget": budget,
                "spent": Decimal(0),
                "status": DRAFT,
                "serial": 0,
                "items": offered,
                "expired": (0, 0),
            }
        )

    @precondition(lambda self: self.rounds)
    @rule(pick=INDEX)
    def open_round(self, pick):
        self.count("open_round")
        round_ = self.pick(self.rounds, pick)
        call = lambda: redemption_services.open_round(round_=round_["obj"], by=self.world.user)  # noqa: E731
        if round_["status"] != DRAFT:
            return self.refused("status", call)
        if not round_["items"]:
            return self.refused("no_items", call)
        if self.open_round_index() is not None:
            return self.refused("one_open", call)
        call()
        round_["status"] = OPEN

    @precondition(lambda self: self.rounds)
    @rule(pick=INDEX)
    def close_round(self, pick):
        self.count("close_round")
        round_ = self.pick(self.rounds, pick)
        call = lambda: redemption_services.close_round(round_=round_["obj"], by=self.world.user)  # noqa: E731
        if round_["status"] != OPEN:
            return self.refused("status", call)
        call()
        round_["status"] = CLOSED
        keep = {"carry": None, "clear": 0, "cap": round_["cap"]}[round_["policy"]]
        households = points = 0
        if keep is not None:
            for index, balance in self.balance.items():
                if balance > keep:
                    households += 1
                    points += balance - keep
                    self.balance[index] = keep
                    self.entries["expire"] += 1
        round_["expired"] = (households, points)
        self.stats.done[f"rounds closed ({round_['policy']})"] += 1
        self.stats.done["passbooks cleared or capped at closing"] += households

    @precondition(lambda self: self.rounds)
    @rule(pick=INDEX, lines=LINES)
    def redeem(self, pick, lines):
        """At the counter: some of the open round's items (the model knows which refusal)."""
        self.redeem_at_the_counter(pick, lines)

    @precondition(lambda self: self.rounds)
    @rule(pick=INDEX, lines=LINES)
    def redeem_at_a_busy_counter(self, pick, lines):
        """The same as `redeem`: the counter is the busiest place, so it gets a second rule
        and with it more of the steps."""
        self.redeem_at_the_counter(pick, lines)

    def redeem_at_the_counter(self, pick, lines):
        self.count("redeem")
        index = pick % len(self.households)
        open_index = self.open_round_index()
        # With no open round the items come from the newest round, so the call is complete.
        round_ = self.rounds[open_index] if open_index is not None else self.rounds[-1]
        wanted: dict[int, int] = {}
        for line, quantity in lines.items():
            if round_["items"]:
                wanted[line % len(round_["items"])] = quantity
        quantities = {round_["items"][i]["obj"].pk: q for i, q in wanted.items()}
        key = uuid.uuid4()
        call = lambda: redemption_services.redeem(  # noqa: E731
            community=self.world.community,
            household=self.households[index],
            quantities=quantities,
            submission_key=key,
            by=self.world.user,
        )
        if open_index is None:
            return self.refused("round_not_open", call)
        wanted = {i: q for i, q in wanted.items() if q}
        if not wanted:
            return self.refused("empty", call)
        already = Counter()
        for redemption in self.redemptions:
            mine = redemption["round"] == open_index and redemption["household"] == index
            if mine and not redemption["cancelled"]:
                already.update(redemption["lines"])
        for i, quantity in sorted(wanted.items()):
            item = round_["items"][i]
            if item["taken"] + quantity > item["stock"]:
                return self.refused("stock", call)
            if item["limit"] is not None and already[i] + quantity > item["limit"]:
                return self.refused("limit", call)
        cost = sum((round_["items"][i]["cost"] * q for i, q in wanted.items()), Decimal(0))
        points = sum(round_["items"][i]["price"] * q for i, q in wanted.items())
        if round_["spent"] + cost > round_["budget"]:
            return self.refused("budget", call)
        if self.balance[index] < points:
            return self.refused("insufficient", call)
        redemption = call()
        assert redemption.points == points and redemption.cost_yuan == cost
        for i, quantity in wanted.items():
            round_["items"][i]["taken"] += quantity
        round_["spent"] += cost
        round_["serial"] += 1
        self.balance[index] -= points
        self.entries["redeem"] += 1
        self.stats.done["redemptions made"] += 1
        self.redemptions.append(
            {
                "obj": redemption,
                "key": key,
                "round": open_index,
                "household": index,
                "lines": dict(wanted),
                "points": points,
                "cost": cost,
                "cancelled": False,
            }
        )

    @precondition(lambda self: self.redemptions)
    @rule(pick=INDEX)
    def submit_the_same_form_again(self, pick):
        """A double-clicked form: the same submission key returns the first redemption."""
        self.count("submit_the_same_form_again")
        earlier = self.pick(self.redemptions, pick)
        round_ = self.rounds[earlier["round"]]
        again = redemption_services.redeem(
            community=self.world.community,
            household=self.households[earlier["household"]],
            quantities={round_["items"][i]["obj"].pk: q for i, q in earlier["lines"].items()},
            submission_key=earlier["key"],
            by=self.world.user,
        )
        assert again.pk == earlier["obj"].pk

    @rule(pick=INDEX, at_the_counter=st.booleans())
    def the_other_community_tries(self, pick, at_the_counter):
        """Across the tenant boundary: the other community's staff approving our records
        (nothing happens), or our household at its counter while its round is open (refused)."""
        if not at_the_counter and self.attendances:
            self.count("approve_from_the_other_community")
            ids = [a["obj"].pk for a in self.attendances[pick % len(self.attendances) :]]
            result = points_services.approve(
                community=self.world.other, attendance_ids=ids, by=self.world.user
            )
            assert result.approved == [] and result.entries == []
            return
        self.count("redeem_in_the_other_community")
        household = self.pick(self.households, pick)
        self.refused(
            "household",
            lambda: redemption_services.redeem(
                community=self.world.other,
                household=household,
                quantities={self.world.other_item.pk: 1},
                submission_key=uuid.uuid4(),
                by=self.world.user,
            ),
        )

    @precondition(lambda self: self.redemptions)
    @rule(pick=INDEX, reason=REASONS)
    def cancel(self, pick, reason):
        self.count("cancel")
        redemption = self.pick(self.redemptions, pick)
        round_ = self.rounds[redemption["round"]]
        call = lambda: redemption_services.cancel(  # noqa: E731
            redemption=redemption["obj"], reason=reason, by=self.world.user
        )
        if not reason.strip():
            return self.refused("field:reason", call)
        if round_["status"] != OPEN:
            return self.refused("round_closed", call)
        if redemption["cancelled"]:
            return self.refused("cancelled", call)
        call()
        redemption["cancelled"] = True
        for i, quantity in redemption["lines"].items():
            round_["items"][i]["taken"] -= quantity
        round_["spent"] -= redemption["cost"]
        self.balance[redemption["household"]] += redemption["points"]
        self.entries["reverse"] += 1
        self.stats.done["redemptions cancelled"] += 1
