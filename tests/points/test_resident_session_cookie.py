"""The resident's session is a signed cookie (points/session_store.py): no query to read it,
and nothing but a genuine, fresh, resident-only value opens a passbook."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from points import passbook, session_store
from tests.factories import HouseholdFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("points:passbook")


def opened(household) -> Client:
    client = Client()
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    assert client.get(reverse("points:passbook_open", args=[token])).status_code == 302
    return client


def with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    return client


def signed(data: dict) -> str:
    return session_store.PREFIX + signing.dumps(
        data, salt=session_store.SALT, serializer=signing.JSONSerializer, compress=True
    )


def test_a_resident_session_keeps_no_row_and_costs_no_query(community):
    client = opened(HouseholdFactory(community=community))
    assert client.cookies[settings.SESSION_COOKIE_NAME].value.startswith(session_store.PREFIX)
    assert not Session.objects.exists()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    assert not [q for q in captured if "django_session" in q["sql"]]


def test_a_tampered_or_foreign_cookie_opens_nothing(community):
    household = HouseholdFactory(community=community)
    good = opened(household).cookies[settings.SESSION_COOKIE_NAME].value
    assert with_cookie(good).get(PAGE).status_code == 200
    other = HouseholdFactory(community=community)
    payload = signed({passbook.SESSION_KEY: other.pk}).split(":")[0]
    forged = good.replace(good.split(":")[0], payload)  # another payload, the old signature
    assert with_cookie(forged).get(PAGE).status_code == 403
    elsewhere = session_store.PREFIX + signing.dumps({passbook.SESSION_KEY: other.pk})
    assert with_cookie(elsewhere).get(PAGE).status_code == 403  # signed, but not for this


def test_a_signed_value_carrying_a_staff_login_is_no_session(community):
    staff = StaffMembershipFactory(community=community).user
    household = HouseholdFactory(community=community)
    value = signed(
        {
            passbook.SESSION_KEY: household.pk,
            "_auth_user_id": str(staff.pk),
            "_auth_user_backend": settings.AUTHENTICATION_BACKENDS[0],
        }
    )
    client = with_cookie(value)
    assert client.get(reverse("residents:household_list")).status_code == 302
    assert client.get(PAGE).status_code == 403


def test_a_staff_login_after_a_resident_session_is_a_database_session(community):
    client = opened(HouseholdFactory(community=community))
    staff = StaffMembershipFactory(community=community).user
    client.force_login(staff)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert not key.startswith(session_store.PREFIX)
    assert Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("residents:household_list")).status_code == 200
