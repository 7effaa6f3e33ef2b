"""A smoke test that also runs against the embedded PostgreSQL in CI (no DATABASE_URL)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_the_database_is_the_configured_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000
        if not os.environ.get("DATABASE_URL"):
            # Without DATABASE_URL the embedded server keeps its data in the project folder.
            cursor.execute("SHOW data_directory")
            assert Path(cursor.fetchone()[0]) == Path(settings.BASE_DIR) / ".pgdata"


def test_a_staff_member_finds_a_household(staff_client, community):
    household = HouseholdFactory(community=community, building="5", room="302")
    MemberFactory(household=household, name="郑兴友")
    response = staff_client.get(reverse("residents:household_list"), {"q": "5-302"})
    assert response.status_code == 200
    assert "郑兴友" in response.content.decode()


def test_the_login_page_renders_in_chinese(client):
    response = client.get(reverse("login"))
    assert "工作人员登录" in response.content.decode()
