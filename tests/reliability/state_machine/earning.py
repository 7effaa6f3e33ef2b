"""The state machine's rules for earning points: recording activities, review (approve,
reject, undo) and adjustments, each checked against the model of the passbooks."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st
from hypothesis.stateful import (
    precondition,
    rule,
)

from points import services as points_services
from tests.reliability.state_machine.world import (
    APPROVED,
    DAILY_CAP,
    INDEX,
    PENDING,
    REASONS,
    REJECTED,
)
from tests.volunteering.factories import ActivityFactory, AttendanceFactory


class EarningRules:
    """Rules of PassbookMachine (tests/reliability/test_state_machine.py)."""

    @rule(
        day=st.integers(min_value=0, max_value=1),
        attendees=st.lists(
            st.tuples(INDEX, st.integers(min_value=1, max_value=4)), min_size=1, max_size=3
        ),
    )
    def record_activity(self, day, attendees):
        """An activity with its attendance, waiting for review (how the log records it)."""
        self.count("record_activity")
        date = self.world.days[day]
        activity = ActivityFactory(
            project=self.world.project, date=date, hours=Decimal(2), created_by=self.world.user
        )
        seen = set()
        for index, hours in attendees:
            member_index = index % len(self.members)
            if member_index in seen:
                continue
            seen.add(member_index)
            attendance = AttendanceFactory(
                activity=activity,
                member=self.members[member_index][0],
                hours=Decimal(hours),
                recorded_by=self.world.user,
            )
            self.attendances.append(
                {
                    "obj": attendance,
                    "member": member_index,
                    "day": date,
                    "hours": hours,
                    "status": PENDING,
                    "points": 0,
                }
            )

    @precondition(lambda self: self.attendances)
    @rule(picks=st.lists(INDEX, min_size=1, max_size=4))
    def approve(self, picks):
        """Approve some records (already reviewed ones are skipped); the daily cap applies."""
        self.count("approve")
        self.approve_records({p % len(self.attendances) for p in picks})

    @precondition(lambda self: any(a["status"] == PENDING for a in self.attendances))
    @rule()
    def approve_all_pending(self):
        """The review queue's "approve all": every pending record at once, so earning is as
        frequent in the sequences as spending (Hypothesis switches single rules off at
        random in each example)."""
        self.count("approve")
        pending = {i for i, a in enumerate(self.attendances) if a["status"] == PENDING}
        self.approve_records(pending)

    def approve_records(self, chosen: set[int]) -> None:
        ids = [self.attendances[i]["obj"].pk for i in chosen]
        points_services.approve(
            community=self.world.community, attendance_ids=ids, by=self.world.user
        )
        pending = [i for i in chosen if self.attendances[i]["status"] == PENDING]
        for i in sorted(
            pending, key=lambda i: (self.attendances[i]["day"], self.attendances[i]["obj"].pk)
        ):
            record = self.attendances[i]
            room = max(DAILY_CAP - self.net_earned(record["member"], record["day"]), 0)
            points = min(1 + record["hours"], room)
            if points < 1 + record["hours"]:
                self.stats.done["approvals cut by the daily cap"] += 1
            record["status"], record["points"] = APPROVED, points
            if points:
                self.balance[self.members[record["member"]][1]] += points
                self.entries["earn"] += 1

    @precondition(lambda self: self.attendances)
    @rule(picks=st.lists(INDEX, min_size=1, max_size=3), reason=REASONS)
    def reject(self, picks, reason):
        self.count("reject")
        chosen = {p % len(self.attendances) for p in picks}
        ids = [self.attendances[i]["obj"].pk for i in chosen]
        call = lambda: points_services.reject(  # noqa: E731
            community=self.world.community, attendance_ids=ids, reason=reason, by=self.world.user
        )
        if not reason.strip():
            return self.refused("field:reason", call)
        call()
        for i in chosen:
            if self.attendances[i]["status"] == PENDING:
                self.attendances[i]["status"] = REJECTED

    @precondition(lambda self: self.attendances)
    @rule(pick=INDEX, reason=REASONS)
    def undo_approval(self, pick, reason):
        self.count("undo_approval")
        record = self.pick(self.attendances, pick)
        household = self.members[record["member"]][1]
        call = lambda: points_services.undo_approval(  # noqa: E731
            attendance=record["obj"], reason=reason, by=self.world.user
        )
        if not reason.strip():
            return self.refused("field:reason", call)
        if record["status"] != APPROVED:
            return self.refused("not_approved", call)
        if self.balance[household] < record["points"]:
            return self.refused("insufficient", call)
        call()
        if record["points"]:
            self.balance[household] -= record["points"]
            self.entries["reverse"] += 1
        record["status"], record["points"] = REJECTED, 0

    @rule(pick=INDEX, amount=st.integers(min_value=-30, max_value=30), reason=REASONS)
    def adjust(self, pick, amount, reason):
        self.count("adjust")
        index = pick % len(self.households)
        call = lambda: points_services.adjust(  # noqa: E731
            household=self.households[index], amount=amount, reason=reason, by=self.world.user
        )
        if not reason.strip():
            return self.refused("field:reason", call)
        if amount == 0:
            return self.refused("field:amount", call)
        if self.balance[index] + amount < 0:
            return self.refused("insufficient", call)
        call()
        self.balance[index] += amount
        self.entries["adjust"] += 1
