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

A step that makes logins of its own (the sub-district's `jd_admin`) adds them with
`demo_steps.add_login(...)`; seed_demo prints them in the table of the other logins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.module_loading import import_string

from residents.models import Community
from residents.registry import OrderedRegistry

Seed = Callable[..., list[str]]  # seed(*, communities: Mapping[str, Community]) -> lines


@dataclass(frozen=True)
class DemoStep:
    label: str  # the app's name, heading its lines in seed_demo's output
    order: int  # smallest first; a step may read what a smaller one wrote
    seed: str  # dotted path of the step's function

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

    def run(self, *, communities: Mapping[str, Community]) -> list[tuple[str, list[str]]]:
        """Every step in order: (label, summary lines) for each."""
        self.logins = []
        return [(str(step.label), step.run(communities=communities)) for step in self]

    def add_login(self, login) -> None:
        self.logins.append(login)


demo_steps = DemoSteps()
