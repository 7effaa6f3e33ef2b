"""Language, time zone, login, the community switch and the Django admin."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from residents.models import StaffMembership
from tests.factories import HouseholdFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db


def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_pages_are_chinese_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "工作人员登录" in response.content.decode()


def test_the_language_switch_turns_pages_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    page = client.get(reverse("login"))
    assert page["Content-Language"] == "en"
    assert "Staff sign-in" in page.content.decode()


def test_time_zone_is_shanghai():
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_staff_can_sign_in_and_land_on_the_dashboard(client, community):
    StaffMembershipFactory(community=community, user__username="sx_staff")
    response = client.post(
        reverse("login"), {"username": "sx_staff", "password": "pass-word-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("redemption:dashboard")
    assert "山鑫阳光城" in response.content.decode()


def test_a_user_without_a_community_is_refused(client):
    user = get_user_model().objects.create_user("nobody", password="pass-word-123")
    client.force_login(user)
    assert client.get(reverse("residents:household_list")).status_code == 403


def test_staff_of_two_communities_switch_between_them(client, community, other_community):
    membership = StaffMembershipFactory(community=community)
    StaffMembershipFactory(user=membership.user, community=other_community)
    theirs = HouseholdFactory(community=other_community)
    client.force_login(membership.user)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    client.post(reverse("residents:switch_community"), {"community": other_community.pk})
    assert client.get(theirs.get_absolute_url()).status_code == 200


def test_switching_to_a_community_one_does_not_work_for_is_refused(
    staff_client, community, other_community
):
    theirs = HouseholdFactory(community=other_community)
    response = staff_client.post(
        reverse("residents:switch_community"), {"community": other_community.pk}, follow=True
    )
    assert "不在该居民区" in response.content.decode()
    assert staff_client.get(theirs.get_absolute_url()).status_code == 404


def test_switch_community_rejects_get(staff_client):
    assert staff_client.get(reverse("residents:switch_community")).status_code == 405


@pytest.mark.parametrize(
    "model",
    [
        "community",
        "staffmembership",
        "compound",
        "buildinggroup",
        "householdtype",
        "household",
        "member",
    ],
)
def test_the_django_admin_lists_every_register_model_in_chinese(admin_client, model):
    HouseholdFactory()
    response = admin_client.get(reverse(f"admin:residents_{model}_changelist"))
    assert response.status_code == 200
    assert "系统管理" in response.content.decode() or "公益存折" in response.content.decode()


def test_roles_are_admin_staff_and_counter():
    assert set(StaffMembership.Role.values) == {"admin", "staff", "counter"}


def test_the_english_catalogue_is_complete_and_compiled():
    import gettext

    locale = Path(settings.BASE_DIR) / "config" / "locale" / "en" / "LC_MESSAGES"
    po = (locale / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = re.findall(
        r'^(?:msgctxt "([^"]*)"\n)?msgid "(.+)"\n(?:msgid_plural|msgstr)', po, re.M
    )
    assert len(entries) > 100
    compiled = gettext.GNUTranslations((locale / "django.mo").open("rb"))
    for context, msgid in entries:
        text = msgid.encode().decode("unicode_escape").encode("latin-1").decode()
        key = f"{context}\x04{text}" if context else text
        assert key in compiled._catalog or (key, 0) in compiled._catalog, msgid
