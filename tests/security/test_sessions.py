"""Staff sessions: a new key at login, gone at logout, ended when the user is deactivated
or loses their last role, and ended after STAFF_IDLE_TIMEOUT_MINUTES without a request."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import UserSession
from accounts.sessions import LAST_SEEN_KEY
from points import passbook
from residents.models import StaffMembership
from tests.factories import HouseholdFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def _logged_in_client(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _reaches_household_list(client: Client) -> bool:
    return client.get(reverse("residents:household_list")).status_code == 200


def test_the_session_key_rotates_on_login(community):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    client.get(reverse("login"))
    session = client.session
    session["before-login"] = "x"
    session.save()
    before = _session_key(client)

    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})

    after = _session_key(client)
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.get(session_key=after).user == user


def test_logout_by_post_ends_the_session_and_the_old_key_stops_working(community):
    user = StaffMembershipFactory(community=community).user
    client = _logged_in_client(user)
    old_key = _session_key(client)

    assert client.post(reverse("logout")).status_code == 302

    assert not Session.objects.filter(session_key=old_key).exists()
    assert not UserSession.objects.filter(session_key=old_key).exists()
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert replay.get(reverse("residents:household_list")).status_code == 302


def test_logout_by_get_is_refused(community):
    client = _logged_in_client(StaffMembershipFactory(community=community).user)

    assert client.get(reverse("logout")).status_code == 405
    assert _reaches_household_list(client)


def test_deactivating_a_user_deletes_every_session_they_have(community):
    user = StaffMembershipFactory(community=community).user
    office, phone = _logged_in_client(user), _logged_in_client(user)
    bystander = _logged_in_client(StaffMembershipFactory(community=community).user)
    keys = [_session_key(office), _session_key(phone)]

    user.is_active = False
    user.save()

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not _reaches_household_list(office)
    assert not _reaches_household_list(phone)
    assert _reaches_household_list(bystander)


def test_a_bulk_deactivation_is_refused_on_the_next_request_too(community):
    user = StaffMembershipFactory(community=community).user
    client = _logged_in_client(user)

    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert client.get(reverse("residents:household_list")).status_code == 302


def test_removing_the_last_role_ends_the_users_sessions(community):
    membership = StaffMembershipFactory(community=community)
    client = _logged_in_client(membership.user)
    key = _session_key(client)

    membership.delete()

    assert not Session.objects.filter(session_key=key).exists()
    response = client.get(reverse("residents:household_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_removing_one_of_two_roles_keeps_the_session_but_not_that_communitys_pages(
    community, other_community
):
    membership = StaffMembershipFactory(community=community)
    StaffMembershipFactory(community=other_community, user=membership.user)
    client = _logged_in_client(membership.user)
    key = _session_key(client)

    membership.delete()

    assert Session.objects.filter(session_key=key).exists()
    household = HouseholdFactory(community=community)
    assert client.get(household.get_absolute_url()).status_code == 404


def test_changing_a_role_takes_effect_on_the_next_request(community):
    membership = StaffMembershipFactory(community=community, role=StaffMembership.Role.STAFF)
    client = _logged_in_client(membership.user)
    assert _reaches_household_list(client)

    StaffMembership.objects.filter(pk=membership.pk).update(role=StaffMembership.Role.COUNTER)

    assert client.get(reverse("residents:household_list")).status_code == 403


def _idle_for(client: Client, minutes: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time() - minutes * 60)
    session.save()


def test_a_staff_session_idle_past_the_timeout_is_logged_out_with_a_message(community, reliability):
    client = _logged_in_client(StaffMembershipFactory(community=community).user)
    key = _session_key(client)
    _idle_for(client, settings.STAFF_IDLE_TIMEOUT_MINUTES + 1)

    response = client.get(reverse("residents:household_list"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('residents:household_list')}"
    assert not Session.objects.filter(session_key=key).exists()
    login_page = client.get(response.url).content.decode()
    assert "已自动退出" in login_page
    assert not _reaches_household_list(client)
    reliability.record(
        "Access and sessions",
        "Staff idle timeout",
        tried=f"a staff session left {settings.STAFF_IDLE_TIMEOUT_MINUTES + 1} minutes "
        "without a request, then a page opened",
        figures={
            "idle timeout (minutes)": settings.STAFF_IDLE_TIMEOUT_MINUTES,
            "old session rows left": Session.objects.filter(session_key=key).count(),
        },
        held="the user was sent to the login page with a message; the old session is gone",
    )


def test_a_staff_session_within_the_timeout_stays(community):
    client = _logged_in_client(StaffMembershipFactory(community=community).user)
    _idle_for(client, settings.STAFF_IDLE_TIMEOUT_MINUTES - 1)
    before = int(time.time())

    assert _reaches_household_list(client)
    assert client.session[LAST_SEEN_KEY] >= before  # the request counted as activity


def test_an_idle_htmx_request_is_sent_to_the_login_page_whole(community):
    client = _logged_in_client(StaffMembershipFactory(community=community).user)
    _idle_for(client, settings.STAFF_IDLE_TIMEOUT_MINUTES + 1)

    response = client.get(reverse("residents:household_list"), HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


def test_a_resident_passbook_session_is_not_a_staff_session(community):
    staff = StaffMembershipFactory(community=community).user
    household = HouseholdFactory(community=community)
    token = passbook.issue_tokens(households=[household], by=staff)[household.pk]
    client = Client()
    client.get(f"/p/{token}/")
    _idle_for(client, settings.STAFF_IDLE_TIMEOUT_MINUTES + 5)

    response = client.get(reverse("points:passbook"))

    assert response.status_code == 200
