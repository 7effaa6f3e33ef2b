"""Hostile input to every field of every page, as every role: never a server error, and a
refused write changes no row (issue 15, "prove it for the class").

Every URL pattern comes from the URL walk (tests/security/walk.py), filled with community A's
own objects so requests get past the door into the views. What each page reads is found, not
listed (tests/security/fuzz.py): the keys its view and forms look up in request.GET and
request.POST during ordinary requests — the walk's GETs, its search query and its
valid-looking POSTs — and the inputs of the forms in the rendered pages, including forms that
only appear after pressing a button (the logging page's search results). A new field is
fuzzed the day it is added.

Each target (a method and a URL) is then sent, by every role that gets past its door
(anonymous, a resident's passbook session, A's counter clerk, staff and admin), Hypothesis
examples of two sorts:
- explicit ones, a sweep: at each of SWEEP steps every field gets the next hostile value for
  its kind — Unicode digits (² ① ٣ and full-width), NaN/sNaN/Infinity, years 0, 1 and 10000,
  negative and huge numbers, 10,000 characters, NUL and other control characters, direction
  overrides, empty — while the buttons and menus that steer the view keep their value except
  every fourth step. Each way of submitting the target (the walk's valid-looking data, each
  submit button) is swept: the first way at every step, the others at every other step. The
  first role past the door gets the whole sweep, every other role a few steps of it;
- then RANDOM_EXAMPLES generated ones, mixing valid values, hostile ones and random text of
  hostile characters.

Every request runs inside a savepoint that is rolled back, so the world is the same for
each; PostgreSQL's per-transaction counters (pg_stat_xact_user_tables) say which tables a
request wrote before the rollback. A refused request (4xx, or a redirect with an error
message) must have written no table of community data.

Hypothesis runs with a fixed seed in CI (CI set) and a random one otherwise, printed on
failure; FUZZ_SEED=<n> replays a run.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, Phase, example, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from residents.models import StaffMembership
from tests.factories import CommunityFactory, StaffMembershipFactory
from tests.security.form_data import plausible_posts, search_query
from tests.security.fuzz import (
    ALL_HOSTILE,
    HOSTILE,
    HOSTILE_ALPHABET,
    SWEEP,
    ReadRecorder,
    forms_in,
    hostile_value,
    kind_of,
    split_action,
)
from tests.security.walk import (
    _community_path,
    actor_client,
    body_of,
    build_world,
    url_patterns,
    walk,
)

pytestmark = [pytest.mark.django_db, pytest.mark.long]
ROLE = StaffMembership.Role
ROLES = ("admin of A", "staff of A", "counter of A", "resident of A", "anonymous")
# Roles that find the pages: the admin reaches every staff page, the resident and the
# anonymous visitor their own.
DISCOVERERS = ("admin of A", "resident of A", "anonymous")
NOT_FIELDS = {"csrfmiddlewaretoken"}
# Steps of the sweep at which the buttons and menus that steer a view get hostile values too.
STEERING_STEPS = {3, 7, 11}
RANDOM_EXAMPLES = 2  # Hypothesis examples per target and role, after the sweep
MAX_WAYS = 4  # ways of submitting one target that get a sweep of their own
# The first role past a target's door gets the whole sweep; every other role this many
# steps of it (a different few for each role) before its Hypothesis examples.
STEPS_FOR_OTHER_ROLES = 3
DOOR_REFUSALS = {403, 404, 405, 429}


class Actor:
    """A client that stays who it is, signing in again (outside the rolled-back requests)
    whenever a request ended its session."""

    def __init__(self, name: str, world, number: int) -> None:
        self.name = name
        self.world = world
        self.client = actor_client(REMOTE_ADDR=f"10.0.2.{number + 1}")
        self.user = None
        if name.endswith("of A") and name != "resident of A":
            role = {"counter of A": ROLE.COUNTER, "staff of A": ROLE.STAFF}.get(name, ROLE.ADMIN)
            self.user = StaffMembershipFactory(community=world.community, role=role).user
        self.sign_in()

    @property
    def session(self) -> str:
        cookie = self.client.cookies.get(django_settings.SESSION_COOKIE_NAME)
        return cookie.value if cookie else ""

    def sign_in(self) -> None:
        self.client.cookies.clear()
        if self.user is not None:
            self.client.force_login(self.user)
        elif self.name == "resident of A":
            opened = self.client.get(reverse("points:passbook_open", args=[self.world.token]))
            assert opened.status_code == 302, "the resident could not open the passbook"


@dataclass
class Answer:
    status: int
    body: str
    refused: bool
    wrote: set[str]
    location: str = ""


class Lab:
    """Sends requests inside rolled-back savepoints and says what each wrote."""

    def __init__(self) -> None:
        self.community_tables = {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if _community_path(model) is not None
        }
        self.requests = 0
        self.seconds = 0.0

    @staticmethod
    def _writes() -> dict[str, tuple[int, int, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
                " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
            )
            return {name: tuple(counts) for name, *counts in cursor.fetchall()}

    def send(self, actor: Actor, method: str, url: str, data: dict) -> Answer:
        session = actor.session
        self.requests += 1
        started = time.monotonic()
        with transaction.atomic():
            try:
                before = self._writes()
                response = getattr(actor.client, method)(url, data)
                body = ""
                if response.status_code < 500:
                    # A streamed answer does its work while it is read: read it here.
                    body = body_of(response)
                    after = self._writes()
                    wrote = {t for t, n in after.items() if n != before.get(t)}
                else:
                    wrote = set()
            finally:
                transaction.set_rollback(True)
        stored = getattr(response.wsgi_request, "_messages", None)
        errors = [m for m in getattr(stored, "_queued_messages", []) if m.level >= messages.ERROR]
        answer = Answer(
            status=response.status_code,
            body=body if "html" in response.get("Content-Type", "") else "",
            refused=response.status_code >= 400 or bool(errors),
            wrote=wrote & self.community_tables,
            location=response.get("Location", ""),
        )
        if actor.session != session:  # logged out, exited, flushed: the same person again
            actor.sign_in()
        self.seconds += time.monotonic() - started
        return answer


@dataclass
class Target:
    """A method and a URL, the fields its view reads, and the ways of submitting it."""

    method: str
    url: str
    name: str
    values: dict[str, list[str]] = field(default_factory=dict)  # field → values seen
    reached: set[str] = field(default_factory=set)  # roles that got past its door
    valid_ways: int = 0
    steering: set[str] = field(default_factory=set)  # buttons and word menus
    buttons: set[str] = field(default_factory=set)  # names of submit buttons
    ways: list[dict] = field(default_factory=list)  # valid-looking data, one per way

    def add_field(self, name: str, values=()) -> None:
        if name in NOT_FIELDS:
            return
        known = self.values.setdefault(name, [])
        for value in values if isinstance(values, list | tuple) else [values]:
            if str(value) not in known:
                known.append(str(value))

    def add_way(self, data: dict, *, valid: bool = False) -> bool:
        """A way of submitting the target; `valid` ones (the walk's valid-looking data) are
        fuzzed first."""
        data = {k: v for k, v in data.items() if k not in NOT_FIELDS}
        # A fresh one-time key does not make another way of submitting the form.
        same = [{k: v for k, v in way.items() if k != "submission_key"} for way in self.ways]
        if {k: v for k, v in data.items() if k != "submission_key"} in same:
            return False
        if valid:
            self.valid_ways += 1
            self.ways.insert(self.valid_ways - 1, data)
        else:
            self.ways.append(data)
        return True

    def ways_to_fuzz(self) -> list[dict]:
        """Up to MAX_WAYS ways: the valid-looking ones, then one per button not yet pressed,
        then a form as the page leaves it."""
        chosen, seen = [], set()
        for way in self.ways:
            pressed = tuple(sorted((k, str(v)) for k, v in way.items() if k in self.buttons))
            if pressed not in seen and (pressed or way in self.ways[: self.valid_ways]):
                seen.add(pressed)
                chosen.append(way)
        chosen += [way for way in self.ways if way not in chosen]
        return chosen[:MAX_WAYS] or [{}]

    def kind(self, name: str) -> str:
        return kind_of(self.values.get(name, []))

    def hostile(self, way: dict, step: int) -> dict:
        """`way` with every field the page reads set to its hostile value for `step` (the
        buttons and menus that steer the view only at STEERING_STEPS)."""
        data = dict(way)
        for name in self.values:
            if name in self.steering and (name in way and step not in STEERING_STEPS):
                continue
            kind = "unknown" if name in self.steering else self.kind(name)
            data[name] = hostile_value(kind, self.values[name], step)
        return data

    def hostile_count(self, data: dict) -> int:
        """How many of `data`'s values are not ones the page or the walk would send."""
        return sum(str(value) not in self.values.get(name, ()) for name, value in data.items())


def _steering(name: str, values: list[str]) -> bool:
    return kind_of(values) in ("text", "unknown") and bool(values)


class Discovery:
    """Finds every target and what it reads, as the DISCOVERERS."""

    def __init__(self, lab: Lab, world, actors: dict[str, Actor]) -> None:
        self.lab, self.world, self.actors = lab, world, actors
        urls, unfillable = walk(world)
        assert not unfillable, "\n".join(unfillable)
        self.urls = urls
        self.names = {url: pattern.name for pattern, url, _kwargs in urls}
        self.targets: dict[tuple[str, str], Target] = {}

    def target(self, method: str, url: str) -> Target:
        key = (method, url)
        if key not in self.targets:
            self.targets[key] = Target(method, url, self.names[url])
        return self.targets[key]

    def request(self, actor: Actor, method: str, url: str, data: dict) -> Answer:
        ReadRecorder.reads = {}
        try:
            answer = self.lab.send(actor, method, url, data)
        finally:
            reads, ReadRecorder.reads = ReadRecorder.reads, None
        if answer.status in DOOR_REFUSALS or "/login/" in answer.location:
            return answer
        target = self.target(method, url)
        target.reached.add(actor.name)
        for name in sorted(reads.get(method.upper(), ())):  # a fixed order for a fixed seed
            target.add_field(name, data.get(name, []))
        for form_target, way in self.read_forms(answer, url):
            form_target.add_way(way)
        return answer

    def read_forms(self, answer: Answer, url: str) -> list[tuple[Target, dict]]:
        """Targets and ways of submitting them found in the forms of the page at `url`."""
        found = []
        for form in forms_in(answer.body, f"http://testserver{url}"):
            path, preset = split_action(form.action)
            if path not in self.names:
                continue  # another site's address, or a skipped one (i18n/)
            target = self.target(form.method, path)
            base = dict(preset)
            for name, values in form.fields.items():
                target.add_field(name, values)
                if name in form.menus and _steering(name, values):
                    target.steering.add(name)
                if values:
                    base[name] = values[0]
            for name, value in [*preset.items(), *form.buttons]:
                target.add_field(name, value)
                target.steering.add(name)
            target.buttons.update(name for name, _value in form.buttons)
            ways = [base] + [{**base, name: value} for name, value in form.buttons]
            found += [(target, way) for way in ways]
        return found

    def run(self) -> None:
        submitted: set[tuple[str, str, str, str]] = set()

        # A field a form leaves empty (a search box) is filled, for discovery, with what
        # the walk gives a field of that name elsewhere, so that its results show.
        known = {k: v for k, v in search_query(self.world).items()}

        def submit(actor: Actor, target: Target, way: dict) -> Answer | None:
            key = (actor.name, target.method, target.url, repr(sorted(way.items())))
            if key in submitted:
                return None
            submitted.add(key)
            filled = {k: known.get(k, v) if v in ("", None) else v for k, v in way.items()}
            return self.request(actor, target.method, target.url, filled)

        for role in DISCOVERERS:
            actor = self.actors[role]
            for pattern, url, kwargs in self.urls:
                methods = pattern.methods or {"GET", "POST"}
                if "GET" in methods:
                    self.request(actor, "get", url, {})
                    self.request(actor, "get", url, search_query(self.world))
                if "POST" in methods:
                    self.request(actor, "post", url, {})
                    for data in plausible_posts(pattern.name, self.world, kwargs):
                        answer = self.request(actor, "post", url, data)
                        if answer.status not in DOOR_REFUSALS:
                            self.target("post", url).add_way(data, valid=True)
            # Forms reached by pressing a button (search results with buttons of their own):
            # submit each way once, a few rounds deep.
            for _round in range(3):
                new = 0
                for target in list(self.targets.values()):
                    if role not in target.reached:
                        continue
                    for way in list(target.ways):
                        answer = submit(actor, target, way)
                        if answer is None:
                            continue
                        for next_target, next_way in self.read_forms(answer, target.url):
                            new += next_target.add_way(next_way)
                if not new:
                    break


def fuzz(
    check, actor: Actor, target: Target, ways: list[dict], steps: list[int], run_seed: int
) -> None:
    """`steps` of the sweep for the ways of submitting `target` (Hypothesis's explicit
    examples), then RANDOM_EXAMPLES examples drawn from hostile and valid values, as `actor`."""
    field_values = {
        name: st.one_of(
            st.sampled_from(HOSTILE.get(target.kind(name), HOSTILE["unknown"])),
            st.sampled_from(ALL_HOSTILE),
            st.text(alphabet=HOSTILE_ALPHABET, max_size=12),
            st.sampled_from(target.values[name] or [""]),
        )
        for name in target.values
    }

    @seed(run_seed)
    @hypothesis_settings(
        max_examples=RANDOM_EXAMPLES,
        deadline=None,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.fixed_dictionaries(field_values), way=st.sampled_from(ways))
    def hostile_inputs(data: dict, way: dict) -> None:
        check(actor, target, {**way, **data})

    for number, way in enumerate(ways):
        # The first way gets every step, the others every other step (alternately), so each
        # value meets each field at least once and each button meets each kind of value.
        for step in steps if number == 0 else [s for s in steps if s % 2 == number % 2]:
            hostile_inputs = example(data=target.hostile(way, step), way={})(hostile_inputs)
    hostile_inputs()


def _short(data: dict) -> dict:
    return {k: v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v for k, v in data.items()}


def _run_seed() -> int:
    default = "20261122" if os.environ.get("CI") else str(random.randrange(2**32))
    return int(os.environ.get("FUZZ_SEED", default))


def test_no_hostile_input_to_any_field_of_any_page_gives_a_server_error_or_a_partial_write(
    settings, tmp_path, reliability
):
    settings.MEDIA_ROOT = tmp_path
    settings.MIDDLEWARE = ["tests.security.fuzz.ReadRecorder", *settings.MIDDLEWARE]
    started = time.monotonic()
    community = CommunityFactory(name="山鑫阳光城", slug="shanxin", passbook_prefix="SX")
    world = build_world(community, tag="甲区测试", prefix="SX")
    actors = {name: Actor(name, world, number) for number, name in enumerate(ROLES)}
    lab = Lab()
    discovery = Discovery(lab, world, actors)
    discovery.run()
    targets = sorted(discovery.targets.values(), key=lambda t: (t.url, t.method))
    discovered = time.monotonic()

    crashes: list[str] = []

    def on_exception(sender, request, **kwargs):
        crashes.append(repr(sys.exc_info()[1])[:200])

    problems: list[str] = []
    tried = {
        "requests": 0,
        "hostile values": 0,
        "server errors": 0,
        "refused": 0,
        "role × target past the door": 0,
    }
    partial_writes = 0
    run_seed = _run_seed()

    def check(actor: Actor, target: Target, data: dict) -> None:
        nonlocal partial_writes
        crashed = len(crashes)
        answer = lab.send(actor, target.method, target.url, data)
        tried["requests"] += 1
        tried["hostile values"] += target.hostile_count(data)
        what = f"{actor.name} {target.method.upper()} {target.url} {_short(data)!r}"
        if answer.status >= 500:
            tried["server errors"] += 1
            raise AssertionError(f"{what}: {answer.status} {' '.join(crashes[crashed:])}")
        if answer.refused:
            tried["refused"] += 1
            if answer.wrote:
                partial_writes += 1
                raise AssertionError(f"{what}: refused ({answer.status}) but wrote {answer.wrote}")

    got_request_exception.connect(on_exception)
    try:
        for target in targets:
            ways = target.ways_to_fuzz()
            swept = False
            for number, role in enumerate(ROLES):
                actor = actors[role]
                door = lab.send(actor, target.method, target.url, ways[0])
                if door.status in DOOR_REFUSALS or "/login/" in door.location:
                    continue
                tried["role × target past the door"] += 1
                if not target.values:
                    continue  # reads nothing: the door request was the whole test
                if swept:
                    steps = [(number + k * 4) % SWEEP for k in range(STEPS_FOR_OTHER_ROLES)]
                else:
                    steps, swept = list(range(SWEEP)), True
                try:
                    fuzz(check, actor, target, ways, steps, run_seed)
                except AssertionError as failure:
                    problems.append(str(failure).splitlines()[0])
    finally:
        got_request_exception.disconnect(on_exception)
    seconds = time.monotonic() - started
    patterns, _skipped = url_patterns()
    fields = sum(len(t.values) for t in targets)
    reliability.record(
        "Requests",
        "Hostile input to every field of every page, as every role",
        tried=(
            "Every URL pattern of the URL conf, filled with the community's own objects; for "
            "each, every query parameter and form field its view reads (found by recording "
            "the keys looked up in request.GET/POST during ordinary requests, and the inputs "
            "of the forms in the rendered pages, including forms that appear only after a "
            "button is pressed) was sent hostile values — Unicode digits (² ① ٣ and "
            "full-width), NaN, sNaN and Infinity, years 0, 1 and 10000, negative and huge "
            "numbers, 10,000 characters, NUL and other control characters, direction "
            "overrides, empty — by every role that gets past the page's door (anonymous, a "
            "resident's passbook session, counter, staff, admin): as Hypothesis's explicit "
            f"examples, a sweep of {SWEEP} steps for the first role past a target's door (its "
            "first way of submitting the target at every step, each other button at every "
            f"other step) and {STEPS_FOR_OTHER_ROLES} steps for every other role, then "
            f"{RANDOM_EXAMPLES} generated examples per role and target "
            f"(seed {run_seed}). Each request ran in a savepoint rolled back afterwards; "
            "PostgreSQL's per-transaction counters showed what it wrote."
        ),
        figures={
            "URL patterns": len(patterns),
            "targets (method × URL)": len(targets),
            "targets × roles past the door": tried["role × target past the door"],
            "fields and parameters read": fields,
            "requests": tried["requests"],
            "hostile values sent": tried["hostile values"],
            "refused (4xx or an error message)": tried["refused"],
            "server errors (5xx)": tried["server errors"],
            "refused requests that wrote community data": partial_writes,
            "discovery seconds": round(discovered - started, 1),
            "seconds": round(seconds, 1),
        },
        held=(
            "No request was answered with a server error, and no refused request wrote a "
            "row of community data."
        ),
    )
    assert not (problems or crashes), (
        f"{len(problems)} targets failed, {len(crashes)} exceptions (seed {run_seed}: replay "
        f"with FUZZ_SEED={run_seed}), the first failing request of each:\n"
        + "\n".join(problems[:40])
    )
    assert len(targets) > 100 and fields > 300, (len(targets), fields)
