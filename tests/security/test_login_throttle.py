"""Login throttling: too many failures lock a name (or an address) out for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from residents.models import LoginFailure, StaffMembership
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
    assert LoginFailure.objects.filter(username=user.username).count() == 5
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
            "failures per address before lockout": settings.LOGIN_FAILURE_LIMIT_PER_IP,
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
    assert not LoginFailure.objects.filter(username=user.username).exists()


def test_failures_spread_wider_than_the_window_do_not_lock(community):
    user = StaffMembershipFactory(community=community).user
    now = timezone.now()
    for minutes in (40, 30, 20, 10):
        LoginFailure.objects.create(username=user.username, at=now - timedelta(minutes=minutes))
    client = Client()
    _fail(client, user.username, 1)  # the fifth, but the first was 40 minutes ago

    _login(client, user.username, PASSWORD)

    assert _is_logged_in(client)


def test_the_lockout_ends_after_the_lockout_minutes(community):
    user = StaffMembershipFactory(community=community).user
    long_ago = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    LoginFailure.objects.bulk_create(
        LoginFailure(username=user.username, at=long_ago - timedelta(seconds=i)) for i in range(5)
    )
    client = Client()

    _login(client, user.username, PASSWORD)

    assert _is_logged_in(client)


def test_twenty_failures_from_one_address_lock_that_address_for_every_name(community):
    user = StaffMembershipFactory(community=community).user
    LoginFailure.objects.bulk_create(
        LoginFailure(username=f"guess{i}", ip_address="203.0.113.9")
        for i in range(settings.LOGIN_FAILURE_LIMIT_PER_IP)
    )

    from_there, elsewhere = Client(), Client()
    refused = _login(from_there, user.username, PASSWORD, REMOTE_ADDR="203.0.113.9")
    _login(elsewhere, user.username, PASSWORD, REMOTE_ADDR="198.51.100.7")

    assert LOCKED_WORDS in refused.content.decode()
    assert not _is_logged_in(from_there)
    assert _is_logged_in(elsewhere)


def test_the_address_comes_from_the_configured_proxy_header(community, settings):
    settings.LOGIN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    client = Client()

    _login(client, "someone", "wrong", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")

    assert LoginFailure.objects.get().ip_address == "203.0.113.5"


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
    LoginFailure.objects.bulk_create(LoginFailure(username=username.lower()) for _ in range(5))


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
    assert not LoginFailure.objects.filter(username=user.username).exists()
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
    assert LoginFailure.objects.filter(username=theirs.username).count() == 5


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
    LoginFailure.objects.create(username="guess-me", ip_address="203.0.113.9")
    client = Client()
    client.force_login(root)

    response = client.get(reverse("admin:residents_loginfailure_changelist"))

    assert response.status_code == 200
    assert "guess-me" in response.content.decode()


@pytest.mark.parametrize("posted", [{}, {"username": ""}, {"username": "nobody-here"}])
def test_unlocking_without_a_known_staff_name_is_a_404_and_unlocks_nobody(
    community, admin_client_of_community, posted
):
    user = StaffMembershipFactory(community=community).user
    _lock(user.username)

    response = admin_client_of_community.post(reverse("login_unlock"), posted)

    assert response.status_code == 404
    assert LoginFailure.objects.filter(username=user.username).count() == 5
