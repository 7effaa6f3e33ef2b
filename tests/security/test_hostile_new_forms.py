"""The write forms of the party, needs and sub-district pages, each typed field given each
hostile value in turn (other digits, NaN, a huge number, year 10000, NUL) and each text field
a NUL: every one is refused with a message (no redirect, no 500) and nothing of the community
changes. The fuzz test (test_fuzz.py) draws such values at random over every page; this names
them, form by form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from residents.models import StaffMembership
from tests.factories import StaffMembershipFactory
from tests.security.form_data import plausible_posts
from tests.security.walk import actor_client, build_world, changed, snapshot

pytestmark = pytest.mark.django_db

FORMS = (
    "needs:visit_new",
    "needs:pairing_new",
    "needs:partner_create",
    "subdistrict:notice_list",
    "party:roll_call",
    "party:report",
)
TYPED = {
    "household",
    "partner",
    "project",
    "present",
    "visited_on",
    "started_on",
    "expires_on",
    "date",
    "reported_on",
    "birth_year",
    "phone",
}
TEXT = {"name", "title", "body", "visitors", "need_text", "contact", "employer"}
HOSTILE = ("٣", "NaN", "1e400", "10000-01-01", "\x00")


@pytest.fixture
def world(community, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build_world(community, tag="甲区测试", prefix="SX")


@pytest.mark.parametrize("name", FORMS)
def test_each_hostile_value_in_each_field_is_refused_and_changes_nothing(world, name):
    client = actor_client()
    role = StaffMembership.Role.ADMIN
    client.force_login(StaffMembershipFactory(community=world.community, role=role).user)
    url = reverse(name)
    plausible = plausible_posts(name, world, {})[0]
    tried = []
    for field, value in plausible.items():
        hostile = HOSTILE if field in TYPED else ("好\x00",) if field in TEXT else ()
        for bad in hostile:
            data = plausible | {field: [bad] if isinstance(value, list) else bad}
            before = snapshot(world.community)
            response = client.post(url, data)
            assert response.status_code in (200, 400), (field, bad, response.status_code)
            assert not changed(before, snapshot(world.community)), (field, bad)
            tried.append(field)
    assert tried, "the form has no typed or text field to try"
    # The same form with its plausible values goes through: the refusals above were the
    # hostile values', and the snapshot sees a write when there is one.
    before = snapshot(world.community)
    assert client.post(url, plausible).status_code == 302
    assert changed(before, snapshot(world.community))
