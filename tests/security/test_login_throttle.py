"""Login throttling (django-axes, accounts/auth.py): too many failures lock a name, and from a
busy address a name sooner; an address itself is never locked, so an office sharing one
address is not locked out by one person's mistakes or by an attacker among its neighbours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from residents.models import StaffMembership
from tests.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
LOCKED_WORDS = "登录失败次数过多"


def _login(client: Client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _fail(client: Client, username: str, times: int, **extra) -> None:
    for _ in range(times):
        response = _login(client, username, "wrong-password", **extra)
        assert response.status_code == 200


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _failures(username: str) -> int:
    return sum(
        AccessAttempt.objects.filter(username=username.lower()).values_list(
            "failures_since_start", flat=True
        )
    )


def _attempt(username: str, *, failures: int, address: str = "10.0.0.1", **fields):
    """Failed logins on record, as axes keeps them: one row per name, address and browser,
    with the time of the last failure."""
    attempt = AccessAttempt.objects.create(
        username=username.lower(),
        ip_address=address,
        user_agent="test",
        failures_since_start=failures,
    )
    if "attempt_time" in fields:  # set on creation, whatever is given
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=fields["attempt_time"])
    return attempt


def test_it_refuses_the_right_password_after_five_failures_within_the_window(
    community, reliability
):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, user.username, settings.LOGIN_FAILURE_LIMIT)

    response = _login(client, user.username, PASSWORD)

    assert response.status_code == 200
    assert not _is_logged_in(client)
    assert LOCKED_WORDS in response.content.decode()
    refused = 1
    # Refused attempts are not counted: the lockout runs from the fifth failure.
    assert _failures(user.username) == 5
    reliability.record(
        "Access and sessions",
        "Login throttling",
        tried=(
            f"{settings.LOGIN_FAILURE_LIMIT} wrong passwords for one staff name, then the "
            "right password"
        ),
        figures={
            "failed attempts before lockout": settings.LOGIN_FAILURE_LIMIT,
            "right-password logins refused while locked": refused,
            "lockout minutes": settings.LOGIN_LOCKOUT_MINUTES,
            "failures that make an address busy": settings.LOGIN_BUSY_ADDRESS_FAILURES,
            "failures of a name from a busy address before lockout": (
                settings.LOGIN_BUSY_ADDRESS_LIMIT
            ),
        },
        held="the right password was refused during the lockout, with the same message "
        "for an unknown name",
    )


def test_the_fifth_failure_already_says_locked_out(community):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, user.username, settings.LOGIN_FAILURE_LIMIT - 1)

    response = _login(client, user.username, "wrong-again")

    assert LOCKED_WORDS in response.content.decode()


def test_an_unknown_name_is_locked_with_the_same_message(community):
    known = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, known.username, 5)
    _fail(client, "nobody-by-this-name", 5)

    known_page = _login(client, known.username, PASSWORD)
    unknown_page = _login(client, "nobody-by-this-name", PASSWORD)

    assert known_page.status_code == unknown_page.status_code == 200
    assert LOCKED_WORDS in known_page.content.decode()
    assert known_page.context["form"].errors == unknown_page.context["form"].errors


def test_the_name_is_locked_whatever_its_case(community):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, user.username.upper(), 5)

    _login(client, user.username, PASSWORD)

    assert not _is_logged_in(client)


def test_a_successful_login_clears_the_names_failures(community):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, user.username, 4)

    response = _login(client, user.username, PASSWORD)

    assert response.status_code == 302
    assert _failures(user.username) == 0


def test_failures_older_than_the_lockout_time_no_longer_count(community):
    user = StaffMembershipFactory(community=community).user
    long_ago = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    _attempt(user.username, failures=4, attempt_time=long_ago)
    client = Client()
    _fail(client, user.username, 1)  # the fifth, but the other four are too old

    _login(client, user.username, PASSWORD)

    assert _is_logged_in(client)


def test_the_lockout_ends_after_the_lockout_minutes(community):
    user = StaffMembershipFactory(community=community).user
    long_ago = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    _attempt(user.username, failures=5, attempt_time=long_ago)
    client = Client()

    _login(client, user.username, PASSWORD)

    assert _is_logged_in(client)


def test_refused_attempts_do_not_prolong_the_lockout(community):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, user.username, 5)
    locked_at = AccessAttempt.objects.get(username=user.username).attempt_time

    _fail(client, user.username, 3)

    attempt = AccessAttempt.objects.get(username=user.username)
    assert (attempt.failures_since_start, attempt.attempt_time) == (5, locked_at)


def test_many_failures_from_an_office_do_not_lock_out_a_colleague_with_the_right_password(
    community, reliability
):
    """The office (or a carrier's NAT) shares one address: someone there tries 30 names."""
    colleague = StaffMembershipFactory(community=community).user
    office = "203.0.113.9"
    guesser = Client(REMOTE_ADDR=office)
    for i in range(30):
        _login(guesser, f"guess{i % 10}", "wrong-password", REMOTE_ADDR=office)

    at_the_next_desk = Client()
    response = _login(at_the_next_desk, colleague.username, PASSWORD, REMOTE_ADDR=office)

    assert response.status_code == 302
    assert _is_logged_in(at_the_next_desk)
    reliability.record(
        "Access and sessions",
        "An office behind one address",
        tried="30 failed logins (10 names) from one address, then a colleague at the same "
        "address with the right password",
        figures={"failures from the address": 30, "colleague logged in": "yes"},
        held="the address is never locked as such; only names are",
    )


def test_from_a_busy_address_a_name_is_locked_sooner_there_only(community):
    user = StaffMembershipFactory(community=community).user
    busy = "203.0.113.9"
    _attempt("someone-else", failures=settings.LOGIN_BUSY_ADDRESS_FAILURES, address=busy)
    from_there = Client()
    _fail(from_there, user.username, settings.LOGIN_BUSY_ADDRESS_LIMIT - 1, REMOTE_ADDR=busy)

    last_try = _login(from_there, user.username, "wrong-again", REMOTE_ADDR=busy)
    refused = _login(from_there, user.username, PASSWORD, REMOTE_ADDR=busy)
    elsewhere = Client()
    _login(elsewhere, user.username, PASSWORD, REMOTE_ADDR="198.51.100.7")

    assert LOCKED_WORDS in last_try.content.decode()
    assert LOCKED_WORDS in refused.content.decode()
    assert not _is_logged_in(from_there)
    assert _is_logged_in(elsewhere)


def test_a_quiet_address_gives_a_name_its_full_five_tries(community):
    user = StaffMembershipFactory(community=community).user
    client = Client()
    _fail(client, user.username, settings.LOGIN_BUSY_ADDRESS_LIMIT, REMOTE_ADDR="198.51.100.7")

    _login(client, user.username, PASSWORD, REMOTE_ADDR="198.51.100.7")

    assert _is_logged_in(client)


def test_a_login_without_a_request_is_checked_by_the_password_alone(community):
    """The test client's login() and a shell call authenticate() without a request: not a
    login over HTTP, so nothing to throttle (axes' own backend would raise an error)."""
    user = StaffMembershipFactory(community=community).user
    _attempt(user.username, failures=5)

    assert Client().login(username=user.username, password=PASSWORD)
    assert authenticate(username=user.username, password="wrong") is None


def test_the_address_comes_from_the_configured_proxy_header(community, settings):
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    client = Client()

    _login(client, "someone", "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")

    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"


def test_the_django_admin_login_is_throttled_too():
    root = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": root.username, "password": "nope"})

    response = client.post(
        reverse("admin:login"), {"username": root.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert LOCKED_WORDS in response.content.decode()
    assert not _is_logged_in(client)


def _lock(username: str) -> None:
    _attempt(username, failures=5)


def test_an_admin_sees_the_lockouts_of_their_own_communitys_staff_only(
    community, other_community, admin_client_of_community
):
    ours = StaffMembershipFactory(community=community, user__first_name="李小明").user
    theirs = StaffMembershipFactory(community=other_community).user
    _lock(ours.username)
    _lock(theirs.username)
    _lock("not-a-user")

    response = admin_client_of_community.get(reverse("login_lockouts"))

    page = response.content.decode()
    assert response.status_code == 200
    assert ours.username in page
    assert theirs.username not in page
    assert "not-a-user" not in page
    assert (
        reverse("login_lockouts")
        in admin_client_of_community.get(reverse("residents:home"), follow=True).content.decode()
    )


def test_an_admin_unlocks_a_staff_member_who_can_then_log_in(community, admin_client_of_community):
    user = StaffMembershipFactory(community=community).user
    _lock(user.username)

    response = admin_client_of_community.post(reverse("login_unlock"), {"username": user.username})

    assert response.status_code == 302
    assert _failures(user.username) == 0
    client = Client()
    _login(client, user.username, PASSWORD)
    assert _is_logged_in(client)


def test_unlocking_another_communitys_user_is_a_404(other_community, admin_client_of_community):
    theirs = StaffMembershipFactory(community=other_community).user
    _lock(theirs.username)

    response = admin_client_of_community.post(
        reverse("login_unlock"), {"username": theirs.username}
    )

    assert response.status_code == 404
    assert _failures(theirs.username) == 5


def test_unlock_needs_post(admin_client_of_community):
    assert admin_client_of_community.get(reverse("login_unlock")).status_code == 405


@pytest.mark.parametrize("role", [StaffMembership.Role.STAFF, StaffMembership.Role.COUNTER])
def test_only_admins_see_the_lockout_page(community, role):
    client = Client()
    client.force_login(StaffMembershipFactory(community=community, role=role).user)

    assert client.get(reverse("login_lockouts")).status_code == 403
    assert client.post(reverse("login_unlock"), {"username": "x"}).status_code == 403


def test_the_superuser_sees_every_failure_in_the_django_admin():
    root = UserFactory(is_superuser=True, is_staff=True)
    _attempt("guess-me", failures=2, address="203.0.113.9")
    client = Client()
    client.force_login(root)

    response = client.get(reverse("admin:accounts_loginattempt_changelist"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "guess-me" in page and "203.0.113.9" in page and "失败次数" in page


@pytest.mark.parametrize("posted", [{}, {"username": ""}, {"username": "nobody-here"}])
def test_unlocking_without_a_known_staff_name_is_a_404_and_unlocks_nobody(
    community, admin_client_of_community, posted
):
    user = StaffMembershipFactory(community=community).user
    _lock(user.username)

    response = admin_client_of_community.post(reverse("login_unlock"), posted)

    assert response.status_code == 404
    assert _failures(user.username) == 5


def test_a_name_locked_from_a_busy_address_is_listed_with_that_address_and_unlocks(
    community, admin_client_of_community
):
    user = StaffMembershipFactory(community=community, user__first_name="李小明").user
    busy = "203.0.113.9"
    _attempt("someone-else", failures=settings.LOGIN_BUSY_ADDRESS_FAILURES, address=busy)
    _attempt(user.username, failures=settings.LOGIN_BUSY_ADDRESS_LIMIT, address=busy)

    page = admin_client_of_community.get(reverse("login_lockouts")).content.decode()
    admin_client_of_community.post(reverse("login_unlock"), {"username": user.username})
    client = Client()
    _login(client, user.username, PASSWORD, REMOTE_ADDR=busy)

    assert "李小明" in page and f"只锁定来自 {busy} 的登录" in page
    assert _is_logged_in(client)
