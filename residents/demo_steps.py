"""The demo seeding steps of the apps above residents (`manage.py seed_demo`).

`seed_demo` builds the register first (residents.demo: the demo communities, households
and logins); then it runs every step registered here, smallest order first, each given the
demo communities by slug and answering with its summary lines. Each app registers its own
step in its `AppConfig.ready()`:

    demo_steps.register(
        DemoStep(label=self.verbose_name, order=20, seed="volunteering.demo.seed_demo")
    )

The step is named by its dotted path and imported only when the demo is seeded, so serving
pages never imports demo data. Residents names no later app.

Steps that write dated history into ledgers (points' reviews, redemption's rounds) do not
write it at once: they put each action on `demo_steps.timeline` at its day and time, with
`on_timeline=True`, and return their summary lines as functions (called once the actions
ran). Before the next step that is not on the timeline, and at the end, seed_demo replays
every action in date order, so entries are posted in the order a real year would have
posted them: a passbook's dates and running balances read down together, whichever app
wrote each line.

A step that makes logins of its own (the sub-district's `jd_admin`) adds them with
`demo_steps.add_login(...)`; seed_demo prints them in the table of the other logins.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from residents.models import Community
from residents.registry import OrderedRegistry

Seed = Callable[..., list]  # seed(*, communities: Mapping[str, Community]) -> lines
Line = str | Callable[[], str]  # a line, or a function giving it after the timeline ran
Action = Callable[[datetime.datetime | None], object]


@dataclass(order=True)
class _Event:
    day: datetime.date
    time: datetime.time
    seq: int
    action: Action = field(compare=False)


class DemoTimeline:
    """Dated actions of the demo, replayed in date order (then in the order they were put
    on). Each action is called with its moment, or None for today's (they happen now)."""

    def __init__(self) -> None:
        self._events: list[_Event] = []
        self._seq = itertools.count()

    def at(self, day: datetime.date, time: datetime.time, action: Action) -> None:
        self._events.append(_Event(day, time, next(self._seq), action))

    def replay(self) -> None:
        events, self._events = sorted(self._events), []
        if not events:
            return
        today = timezone.localdate()
        with transaction.atomic():
            for event in events:
                moment = None
                if event.day < today:
                    moment = timezone.make_aware(datetime.datetime.combine(event.day, event.time))
                event.action(moment)


@dataclass(frozen=True)
class DemoStep:
    label: str  # the app's name, heading its lines in seed_demo's output
    order: int  # smallest first; a step may read what a smaller one wrote
    seed: str  # dotted path of the step's function
    on_timeline: bool = False  # puts dated actions on demo_steps.timeline

    @property
    def name(self) -> str:
        return self.seed

    def run(self, *, communities: Mapping[str, Community]) -> list[str]:
        function: Seed = import_string(self.seed)
        return function(communities=communities)


class DemoSteps(OrderedRegistry[DemoStep]):
    def __init__(self) -> None:
        super().__init__()
        self.logins: list = []  # residents.demo.DemoLogin, added by the steps of this run
        self.timeline = DemoTimeline()

    def run(self, *, communities: Mapping[str, Community]) -> list[tuple[str, list[str]]]:
        """Every step in order, the timeline replayed before each step that is not on it
        and at the end: (label, summary lines) for each."""
        self.logins = []
        reports = []
        for step in self:
            if not step.on_timeline:
                self.timeline.replay()
            reports.append((str(step.label), step.run(communities=communities)))
        return [(label, self.finish(lines)) for label, lines in reports]

    def finish(self, lines: Iterable[Line]) -> list[str]:
        """Replay what is on the timeline, then the summary lines as text."""
        self.timeline.replay()
        return [line() if callable(line) else line for line in lines]

    def add_login(self, login) -> None:
        self.logins.append(login)


demo_steps = DemoSteps()
