"""Tenancy proof by brute force: every URL of the project, filled with the objects of
community B (齐河第三居民区), requested by everyone of community A (山鑫) and by strangers,
with GET and POST. Nothing of B may show, nothing of B may change, nothing may crash.

The URLs come from the URL conf (tests/security/walk.py), so a new page is walked as soon
as it exists; a new argument the walk cannot fill fails here with instructions.
"""

from __future__ import annotations

import sys
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.signals import got_request_exception
from django.urls import reverse

from residents.models import AuditEvent, StaffMembership
from subdistrict.models import SubDistrictRole
from tests.factories import (
    CommunityFactory,
    StaffMembershipFactory,
    SubDistrictFactory,
    UserFactory,
)
from tests.security.form_data import (
    PASSBOOK_SEARCHES,
    passbook_query,
    plausible_posts,
    search_query,
)
from tests.security.walk import (
    SKIPPED_PREFIXES,
    Pattern,
    UnfillablePattern,
    World,
    actor_client,
    body_of,
    build_world,
    changed,
    fillings,
    names_an_object,
    snapshot,
    url_patterns,
    walk,
)

pytestmark = [pytest.mark.django_db, pytest.mark.long]
ROLE = StaffMembership.Role
ACTORS = (
    "anonymous",
    "resident of A",
    "counter of A",
    "staff of A",
    "admin of A",
    "街道 admin of A",
    "街道 viewer of A",
)


@pytest.fixture
def worlds(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Each in a sub-district of its own: A's 街道 users must see nothing of B either.
    a = CommunityFactory(
        name="山鑫阳光城",
        slug="shanxin",
        passbook_prefix="SX",
        subdistrict=SubDistrictFactory(name="石化街道"),
    )
    b = CommunityFactory(
        name="齐河第三居民区",
        slug="qihe3",
        passbook_prefix="QH",
        subdistrict=SubDistrictFactory(name="潍坊新村街道"),
    )
    return build_world(a, tag="甲区测试", prefix="SX"), build_world(b, tag="乙区测试", prefix="QH")


class Actor:
    """A client that stays who it is: a logout, a passbook exit or a community switch in
    the walk would otherwise quietly turn the rest of the walk into an anonymous one."""

    def __init__(self, name: str, world_a, number: int) -> None:
        self.name = name
        self.world_a = world_a
        self.client = actor_client(REMOTE_ADDR=f"10.0.0.{number + 1}")
        self.user = None
        if name.startswith("街道"):
            role = SubDistrictRole.Role.ADMIN if "admin" in name else SubDistrictRole.Role.VIEWER
            self.user = UserFactory()
            SubDistrictRole.objects.create(
                user=self.user, subdistrict=world_a.community.subdistrict, role=role
            )
        elif name.endswith("of A") and name != "resident of A":
            role = {"counter of A": ROLE.COUNTER, "staff of A": ROLE.STAFF}.get(name, ROLE.ADMIN)
            self.user = StaffMembershipFactory(community=world_a.community, role=role).user
        self.sign_in()

    def sign_in(self) -> None:
        if self.user is not None:
            self.client.force_login(self.user)
        elif self.name == "resident of A":
            opened = self.client.get(reverse("points:passbook_open", args=[self.world_a.token]))
            assert opened.status_code == 302, "the resident of A could not open A's passbook"

    def request(self, method: str, url: str, data=None):
        name = django_settings.SESSION_COOKIE_NAME
        session = self.client.cookies[name].value if name in self.client.cookies else ""
        response = getattr(self.client, method)(url, data or {})
        # A new session key (logout, exit, a flush) means a new identity: sign in again.
        if name in response.cookies and response.cookies[name].value != session:
            self.client.cookies.clear()
            self.sign_in()
        return response


def test_no_page_shows_or_changes_another_communitys_objects_to_anyone(worlds, reliability):
    world_a, world_b = worlds
    urls, unfillable = walk(world_b)
    assert not unfillable, "\n".join(unfillable)
    b_paths = {url for pattern, url, _kwargs in urls if names_an_object(pattern)}
    assert AuditEvent.objects.filter(community=world_b.community).exists()
    before = snapshot(world_b.community)
    crashes: list[str] = []

    def on_exception(sender, request, **kwargs):
        crashes.append(f"{request.method} {request.path}: {sys.exc_info()[1]!r}")

    got_request_exception.connect(on_exception)
    problems: list[str] = []
    requests = leaks = server_errors = 0
    started = time.monotonic()
    login = reverse("login")

    def check(what: str, pattern, response) -> bool:
        """Whether the answer is acceptable; False when it is a refusal at the door."""
        nonlocal leaks, server_errors
        status = response.status_code
        if status >= 500:
            server_errors += 1
            problems.append(f"{what}: {status}")
            return True
        shown = [m for m in world_b.markers if m in body_of(response)]
        if shown:
            leaks += 1
            problems.append(f"{what}: shows B's {shown}")
        if 300 <= status < 400:
            location = urlsplit(response["Location"]).path
            if location in b_paths:
                problems.append(f"{what}: redirects to B's page {location}")
            return location != login
        allowed = {403, 404, 405}
        if not names_an_object(pattern):  # A's own lists and forms
            allowed |= {200, 400}
        if status not in allowed:
            problems.append(f"{what}: answered {status}")
        return status not in (403, 405)

    try:
        for number, name in enumerate(ACTORS):
            actor = Actor(name, world_a, number)
            for pattern, url, kwargs in urls:
                variants = {"get": [], "post": plausible_posts(pattern.name, world_b, kwargs)}
                if not names_an_object(pattern):
                    variants["get"].append(search_query(world_b))
                if pattern.name in PASSBOOK_SEARCHES:
                    variants["get"].append(passbook_query(world_b))
                for method in ("get", "post"):
                    response = actor.request(method, url)
                    requests += 1
                    past_the_door = check(f"{name} {method.upper()} {url}", pattern, response)
                    # Data cannot matter to a request refused before the view reads it
                    # (login, role, resident guard, method): variants only past the door.
                    for data in variants[method] if past_the_door else ():
                        response = actor.request(method, url, data)
                        requests += 1
                        check(f"{name} {method.upper()} {url} {data}", pattern, response)
    finally:
        got_request_exception.disconnect(on_exception)
    seconds = time.monotonic() - started
    after = snapshot(world_b.community)
    differences = changed(before, after)
    patterns, skipped = url_patterns()
    reliability.record(
        "Tenancy",
        "Every URL, filled with another community's objects",
        tried=(
            "Every URL pattern of the URL conf (generated, not listed: a new page is walked "
            "automatically) was filled with community B's objects — household, members, "
            "settings, project, claim, team, activity and attendance, ledger entries, rule, "
            "reward with picture, open round and item, redemption, import upload, export "
            "record, audit history, passbook link — and requested by an anonymous visitor, a "
            "resident of A (A's passbook link opened), A's counter, staff and admin, and "
            "an admin and a viewer of A's sub-district (街道, B is in another): "
            "GET, GET with B's names and ids in the query, an empty POST and valid-looking "
            "POSTs of the main forms (CSRF checks off). Skipped: "
            + "; ".join(f"`{p}` ({r})" for p, r in SKIPPED_PREFIXES.items())
            + "."
        ),
        figures={
            "URL patterns walked": len(patterns),
            "URLs (patterns × fillings)": len(urls),
            "actors": len(ACTORS),
            "requests": requests,
            "pages showing B's data": leaks,
            "changes to B's rows": len(differences),
            "server errors (500)": server_errors,
            "seconds": round(seconds, 1),
        },
        held=(
            "Every answer was 403, 404, 405, a redirect away from B's pages, or (pages "
            "without arguments) A's own page; none showed B's names, passbook number, phone, "
            "receipt or link, and B's rows, ledger sum, balances, stock, spending and "
            "pictures were the same afterwards."
        ),
    )
    report = [
        *(f"crash: {c}" for c in crashes[:20]),
        *problems[:40],
        *(f"B changed: {d}" for d in differences),
    ]
    assert not (crashes or problems or differences), (
        f"{len(crashes)} crashes, {len(problems)} problems, {len(differences)} changes to B:\n"
        + "\n".join(report)
    )
    assert len(skipped) == len(SKIPPED_PREFIXES)


def test_the_django_admin_refuses_every_staff_member_of_a_community(worlds):
    world_a, world_b = worlds
    household = world_b.household
    pages = [
        "/admin/",
        "/admin/residents/household/",
        f"/admin/residents/household/{household.pk}/change/",
        f"/admin/residents/household/{household.pk}/delete/",
    ]
    for role in (ROLE.COUNTER, ROLE.STAFF, ROLE.ADMIN):
        client = actor_client()
        client.force_login(StaffMembershipFactory(community=world_a.community, role=role).user)
        for page in pages:
            for method in ("get", "post"):
                response = getattr(client, method)(page)
                assert response.status_code == 302, (role, method, page)
                assert urlsplit(response["Location"]).path == "/admin/login/"
                assert not [m for m in world_b.markers if m in body_of(response)]


def test_a_new_pattern_the_walk_cannot_fill_fails_and_says_how_to_add_it():
    new = Pattern(
        "widgets/<int:widget_pk>/", "widgets:detail", lambda request: None, ("widget_pk",)
    )
    with pytest.raises(UnfillablePattern) as problem:
        fillings(new, World(community=None, tag="乙区测试"))
    assert "widget_pk" in str(problem.value) and "BY_ARGUMENT" in str(problem.value)
    unknown_pk = Pattern("widgets/<int:pk>/", "widgets:detail", lambda request: None, ("pk",))
    with pytest.raises(UnfillablePattern, match="PK_BY_ROUTE_PREFIX"):
        fillings(unknown_pk, World(community=None, tag="乙区测试"))
