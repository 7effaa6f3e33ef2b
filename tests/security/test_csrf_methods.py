"""CSRF and HTTP methods, for every URL of the project (walked from the URL conf by
tests/security/walk.py), as an admin on their own community's objects — the user with the
most power, so the strongest case.

How a view is known to change state: from what it declares. Every view of the project
declares its methods (require_GET, require_POST, require_http_methods, or a class-based
view's http_method_names); the walk reads the declaration off the view, and a view that
declares nothing fails the test, so it cannot slip through unclassified.
- POST-only views (move out, approve, redeem, open a round, …) must answer GET with 405;
- GET-and-POST views are forms: GET must only render the form (200);
- GET-only views must not change anything either.
Then GETting every URL must leave the community's rows unchanged — except the download log
(ExportRecord), which by design records every export, GET or not.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from residents.models import ExportRecord
from tests.factories import CommunityFactory
from tests.security.form_data import plausible_posts
from tests.security.walk import actor_client, body_of, build_world, changed, snapshot, walk

pytestmark = pytest.mark.django_db
# GET pages that do not answer an admin on their own objects with 200, and why.
NOT_200_FOR_AN_ADMIN = {
    "login": 302,  # already signed in: on to the home page
    "residents:home": 302,  # to the dashboard
    "points:passbook_open": 404,  # filled with a revoked link and a token's hash
    "points:passbook": 403,  # residents' pages need a resident session
    "redemption:resident_rewards": 403,
    "redemption:resident_reward_picture": 403,
    "needs:wish_new": 403,
    # The sub-district's (街道) pages: a community's admin holds no 街道 role.
    "subdistrict:rollup": 403,
    "subdistrict:rollup_export": 403,
    "subdistrict:community": 403,
    "subdistrict:contest_list": 403,
    "subdistrict:contest_detail": 403,
    "subdistrict:contest_entry_photo": 403,
    "subdistrict:contest_entry_photo_2": 403,
    "subdistrict:contest_notice": 403,
}


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    community = CommunityFactory(name="山鑫阳光城", slug="shanxin", passbook_prefix="SX")
    return build_world(community, tag="甲区测试", prefix="SX")


def admin_client(world, *, csrf: bool) -> Client:
    client = actor_client(enforce_csrf_checks=csrf)
    client.force_login(world.admin)
    return client


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(world, reliability):
    urls, unfillable = walk(world)
    assert not unfillable, "\n".join(unfillable)
    client = admin_client(world, csrf=True)
    before = snapshot(world.community)
    wrong, posts = [], 0
    for pattern, url, kwargs in urls:
        for data in [{}, *plausible_posts(pattern.name, world, kwargs)]:
            response = client.post(url, data)
            posts += 1
            if response.status_code != 403:
                wrong.append(f"POST {url} {data}: {response.status_code}")
    differences = changed(before, snapshot(world.community))
    reliability.record(
        "Requests",
        "A POST without a CSRF token, to every URL",
        tried=(
            "An admin, signed in, posted to every URL of the URL conf (filled with their own "
            "community's objects) without a CSRF token: an empty POST and valid-looking "
            "data for the main forms."
        ),
        figures={
            "URLs": len(urls),
            "POSTs": posts,
            "refused with 403": posts - len(wrong),
            "accepted": len(wrong),
            "changes to the community's rows": len(differences),
        },
        held="Every POST was refused with 403 before any view ran; nothing changed.",
    )
    assert not wrong, "\n".join(wrong)
    assert not differences, "\n".join(differences)


def test_views_that_change_state_refuse_get_and_no_get_changes_anything(world, reliability):
    urls, unfillable = walk(world)
    assert not unfillable, "\n".join(unfillable)
    client = admin_client(world, csrf=True)
    undeclared = sorted({p.name for p, _url, _kw in urls if p.methods is None})
    assert not undeclared, (
        f"Views without declared methods: {undeclared}. Decorate them with require_GET, "
        "require_POST or require_http_methods, so it is clear whether GET may change state."
    )
    before = snapshot(world.community, exclude=(ExportRecord,))
    cookie = django_settings.SESSION_COOKIE_NAME
    session_key = client.cookies[cookie].value
    wrong: list[str] = []
    kinds = {"POST only": 0, "GET and POST": 0, "GET only": 0}
    for pattern, url, _kwargs in urls:
        methods = pattern.methods
        response = client.get(url)
        status = response.status_code
        if "GET" not in methods:
            kinds["POST only"] += 1
            if status != 405:
                wrong.append(f"GET {url} ({pattern.name}, POST only): {status}, not 405")
        elif "POST" in methods:
            kinds["GET and POST"] += 1
            if status != NOT_200_FOR_AN_ADMIN.get(pattern.name, 200):
                wrong.append(f"GET {url} ({pattern.name}, a form): {status}")
        else:
            kinds["GET only"] += 1
            expected = NOT_200_FOR_AN_ADMIN.get(pattern.name, 200)
            if status != expected:
                wrong.append(f"GET {url} ({pattern.name}): {status}, not {expected}")
        if client.cookies[cookie].value != session_key:
            wrong.append(f"GET {url} ({pattern.name}) ended the admin's session")
        body_of(response)  # a streamed download runs to its end
    after = snapshot(world.community, exclude=(ExportRecord,))
    differences = changed(before, after)
    reliability.record(
        "Requests",
        "GET never changes anything; state-changing views are POST only",
        tried=(
            "Each view's declared methods were read off the view itself (require_GET, "
            "require_POST, require_http_methods, http_method_names); a view declaring none "
            "fails the test. An admin then sent GET to every URL with their own community's "
            "objects, and every row of the community was compared before and after "
            "(the download log excepted: it records every export by design)."
        ),
        figures={
            "URLs": len(urls),
            "POST-only (GET must be 405)": kinds["POST only"],
            "forms (GET and POST)": kinds["GET and POST"],
            "GET only": kinds["GET only"],
            "views without declared methods": len(undeclared),
            "wrong answers": len(wrong),
            "rows changed by GETs": len(differences),
        },
        held=(
            "Every POST-only view answered GET with 405, every form and page rendered on GET "
            "(200, or the listed redirects and refusals), no GET ended the admin's session "
            "and no GET changed a row of the community."
        ),
    )
    assert not wrong, "\n".join(wrong)
    assert not differences, "\n".join(differences)
