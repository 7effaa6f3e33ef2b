"""Issue 17, item 12: a community's admin manages its staff in the app — lists them, adds one
with a role, changes a role, resets a password, deactivates an account (its sessions end) —
and everyone changes their own password. Only admins reach the staff pages; another
community's admin gets 404 and changes nothing; every action is in the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import AccountEvent, UserSession
from residents.models import AuditEvent, StaffMembership
from tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
NEW_PASSWORD = "Tulip-garden-2026"
Role = StaffMembership.Role


def signed_in(user, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return client


def reaches_the_register(client: Client) -> bool:
    return client.get(reverse("residents:household_list")).status_code == 200


@pytest.fixture
def admin(community):
    return StaffMembershipFactory(community=community, role=Role.ADMIN).user


@pytest.fixture
def admin_client(admin):
    return signed_in(admin)


@pytest.fixture
def clerk(community):
    return StaffMembershipFactory(
        community=community, role=Role.STAFF, user__first_name="李秀英"
    ).user


def test_an_admin_lists_the_communitys_staff_and_no_one_elses(admin_client, clerk, other_community):
    StaffMembershipFactory(community=other_community, user__username="neighbour-staff")
    response = admin_client.get(reverse("staff_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert clerk.username in html and "李秀英" in html
    assert "neighbour-staff" not in html


def test_an_admin_adds_a_staff_member_who_then_signs_in_with_that_role(admin_client, community):
    response = admin_client.post(
        reverse("staff_add"),
        {
            "username": "wangxy",
            "name": "王晓云",
            "role": Role.COUNTER,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="wangxy")
    assert user.first_name == "王晓云" and not user.is_staff and not user.is_superuser
    assert StaffMembership.objects.get(user=user).role == Role.COUNTER
    assert StaffMembership.objects.get(user=user).community == community
    client = signed_in(user, NEW_PASSWORD)
    assert client.get(reverse("redemption:counter")).status_code == 200
    assert client.get(reverse("residents:household_list")).status_code == 403


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"password2": "Something-else-9"}, "两次输入的密码不一样"),
        ({"password1": "12345678", "password2": "12345678"}, "密码"),
        ({"username": "bad name!"}, "用户名"),
        ({"name": ""}, "必填"),
    ],
)
def test_a_staff_member_with_a_bad_field_is_refused_with_a_chinese_message_and_nothing_saved(
    admin_client, fields, error
):
    data = {
        "username": "wangxy",
        "name": "王晓云",
        "role": Role.STAFF,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **fields,
    }
    before = get_user_model().objects.count()
    response = admin_client.post(reverse("staff_add"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert get_user_model().objects.count() == before


def test_a_sign_in_name_already_used_anywhere_is_refused(admin_client, other_community):
    StaffMembershipFactory(community=other_community, user__username="Neighbour")
    response = admin_client.post(
        reverse("staff_add"),
        {
            "username": "neighbour",
            "name": "冒名",
            "role": Role.ADMIN,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "这个用户名已被使用" in response.content.decode()
    assert not StaffMembership.objects.filter(user__username="Neighbour").exclude(
        community=other_community
    )


def test_an_admin_resets_a_password_and_the_old_sessions_end(admin_client, clerk):
    old_session = signed_in(clerk)
    response = admin_client.post(
        reverse("staff_password", args=[clerk.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not reaches_the_register(old_session)
    assert not UserSession.objects.filter(user=clerk).exists()
    assert reaches_the_register(signed_in(clerk, NEW_PASSWORD))


def test_deactivating_an_account_ends_its_sessions_and_it_cannot_sign_in(admin_client, clerk):
    session = signed_in(clerk)
    keys = list(UserSession.objects.filter(user=clerk).values_list("session_key", flat=True))
    response = admin_client.post(reverse("staff_deactivate", args=[clerk.pk]))
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.is_active is False
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not reaches_the_register(session)
    refused = Client().post(reverse("login"), {"username": clerk.username, "password": PASSWORD})
    assert refused.status_code == 200  # the form again, not a redirect into the app
    admin_client.post(reverse("staff_reactivate", args=[clerk.pk]))
    assert reaches_the_register(signed_in(clerk))


def test_an_admin_changes_a_role_but_never_their_own(admin_client, admin, clerk):
    admin_client.post(reverse("staff_role", args=[clerk.pk]), {"role": Role.ADMIN})
    assert StaffMembership.objects.get(user=clerk).role == Role.ADMIN
    admin_client.post(reverse("staff_role", args=[admin.pk]), {"role": Role.COUNTER})
    assert StaffMembership.objects.get(user=admin).role == Role.ADMIN


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(community, admin, clerk):
    other_admin = StaffMembershipFactory(community=community, role=Role.ADMIN).user
    services.deactivate(community=community, user=admin, by=other_admin)
    with pytest.raises(Exception, match="至少要有一位"):
        services.deactivate(community=community, user=other_admin, by=clerk)


def test_an_admin_cannot_reset_or_deactivate_an_account_that_also_works_elsewhere(
    admin_client, community, other_community
):
    shared = StaffMembershipFactory(community=community).user
    StaffMembershipFactory(community=other_community, user=shared)
    admin_client.post(
        reverse("staff_password", args=[shared.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    admin_client.post(reverse("staff_deactivate", args=[shared.pk]))
    shared.refresh_from_db()
    assert shared.is_active and shared.check_password(PASSWORD)


def test_another_communitys_admin_gets_404_and_changes_nothing(clerk, other_community):
    neighbour = signed_in(StaffMembershipFactory(community=other_community, role=Role.ADMIN).user)
    assert neighbour.get(reverse("staff_detail", args=[clerk.pk])).status_code == 404
    for name, data in [
        ("staff_role", {"role": Role.ADMIN}),
        ("staff_password", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
        ("staff_deactivate", {}),
    ]:
        assert neighbour.post(reverse(name, args=[clerk.pk]), data).status_code == 404
    clerk.refresh_from_db()
    assert clerk.is_active and clerk.check_password(PASSWORD)
    assert StaffMembership.objects.get(user=clerk).role == Role.STAFF
    assert not AccountEvent.objects.exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.COUNTER])
def test_only_admins_reach_the_staff_pages(community, clerk, role):
    client = signed_in(StaffMembershipFactory(community=community, role=role).user)
    assert client.get(reverse("staff_list")).status_code == 403
    assert client.get(reverse("staff_detail", args=[clerk.pk])).status_code == 403
    assert client.post(reverse("staff_deactivate", args=[clerk.pk])).status_code == 403
    clerk.refresh_from_db()
    assert clerk.is_active


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.COUNTER])
def test_everyone_changes_their_own_password_and_stays_signed_in(community, role):
    user = StaffMembershipFactory(community=community, role=role).user
    client = signed_in(user)
    elsewhere = signed_in(user)
    wrong = client.post(
        reverse("own_password"),
        {"old_password": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "现在的密码不对" in wrong.content.decode()
    response = client.post(
        reverse("own_password"),
        {"old_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("own_password")).status_code == 200  # still signed in
    assert elsewhere.get(reverse("own_password")).status_code == 302  # to the login


def test_every_account_action_is_in_the_audit_trail_with_who_and_whose(
    admin_client, admin, clerk, community
):
    admin_client.post(
        reverse("staff_password", args=[clerk.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    admin_client.post(reverse("staff_deactivate", args=[clerk.pk]))
    admin_client.post(reverse("staff_role", args=[clerk.pk]), {"role": Role.COUNTER})
    trail = AuditEvent.objects.filter(community=community, table="accounts_accountevent")
    assert [(e.new["action"], e.new["user_id"], e.actor_id) for e in trail.order_by("pk")] == [
        ("password_reset", clerk.pk, admin.pk),
        ("deactivated", clerk.pk, admin.pk),
    ]
    assert AuditEvent.objects.filter(table="residents_staffmembership", action="update").exists()
    page = admin_client.get(reverse("residents:audit_list")).content.decode()
    assert "重设密码" in page and "停用账号" in page
    detail = admin_client.get(reverse("staff_detail", args=[clerk.pk])).content.decode()
    assert "重设密码" in detail and "停用账号" in detail
