"""A sub-district (石化街道) with two busy communities, another sub-district with one, and
the users of each level."""

from __future__ import annotations

import pytest
from django.test import Client

from residents.models import StaffMembership
from subdistrict.models import SubDistrictRole
from tests.factories import StaffMembershipFactory, SubDistrictFactory, UserFactory
from tests.residents.test_dashboard_figures import busy_community


def subdistrict_client(subdistrict, role=SubDistrictRole.Role.ADMIN, username=None) -> Client:
    user = UserFactory(**({"username": username} if username else {}))
    SubDistrictRole.objects.create(user=user, subdistrict=subdistrict, role=role)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def street():
    """石化街道: 山鑫 (2 people taking part) and 金山 (3); 潍坊 (1) belongs elsewhere."""
    clerk = UserFactory()
    shihua = SubDistrictFactory(name="石化街道")
    weifang = SubDistrictFactory(name="潍坊新村街道")
    shanxin = busy_community("山鑫阳光城", 2, clerk)
    jinshan = busy_community("金山新村", 3, clerk)
    other = busy_community("齐河第三", 1, clerk)
    for community, owner in ((shanxin, shihua), (jinshan, shihua), (other, weifang)):
        community.subdistrict = owner
        community.save(update_fields=["subdistrict"])
    return {"shihua": shihua, "weifang": weifang, "mine": [shanxin, jinshan], "other": other}


@pytest.fixture
def jd_client(street) -> Client:
    return subdistrict_client(street["shihua"])


@pytest.fixture
def jd_viewer_client(street) -> Client:
    return subdistrict_client(street["shihua"], SubDistrictRole.Role.VIEWER)


@pytest.fixture
def community_admin_client(street) -> Client:
    client = Client()
    client.force_login(
        StaffMembershipFactory(community=street["mine"][0], role=StaffMembership.Role.ADMIN).user
    )
    return client
