"""Notices (公告) from a community to its residents: admins write them with an expiry date,
they show at the top of the passbook page until then (or until withdrawn), and print for
the notice board."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from points import passbook
from residents.models import StaffMembership
from subdistrict import stars
from subdistrict.models import Notice
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    StaffMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("subdistrict:notice_list")
TODAY = timezone.localdate()


@pytest.fixture
def community():
    return CommunityFactory(name="山鑫阳光城")


def client_of(community, role) -> Client:
    client = Client()
    client.force_login(StaffMembershipFactory(community=community, role=role).user)
    return client


def passbook_page(household) -> str:
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    resident = Client()
    resident.get(reverse("points:passbook_open", args=[token]))
    return resident.get(reverse("points:passbook")).content.decode()


def post(client, **data):
    values = {"title": "本周六兑换", "body": "上午9点，居委会活动室。", "expires_on": ""}
    values.update(data)
    return client.post(LIST, values)


def test_an_admins_notice_shows_at_the_top_of_the_passbook_until_it_expires(community):
    admin = client_of(community, StaffMembership.Role.ADMIN)
    response = post(admin, expires_on=(TODAY + datetime.timedelta(days=3)).isoformat())
    assert response.status_code == 302
    household = HouseholdFactory(community=community)
    page = passbook_page(household)
    assert "本周六兑换" in page
    assert page.index("居委会公告") < page.index("现有积分")  # above the balance
    # As if the days had passed: the notice's last day is yesterday (saved as the app saves
    # it, so the passbook's cached notices of the community are forgotten).
    notice = Notice.objects.get()
    notice.expires_on = TODAY - datetime.timedelta(days=1)
    notice.save(update_fields=["expires_on"])
    assert "本周六兑换" not in passbook_page(household)


def test_a_withdrawn_notice_leaves_the_passbooks_and_another_communitys_never_shows(community):
    admin = client_of(community, StaffMembership.Role.ADMIN)
    post(admin, expires_on=(TODAY + datetime.timedelta(days=3)).isoformat())
    notice = Notice.objects.get()
    other = HouseholdFactory(community=CommunityFactory(name="别的居民区"))
    assert "本周六兑换" not in passbook_page(other)
    admin.post(reverse("subdistrict:notice_withdraw", args=[notice.pk]))
    assert "本周六兑换" not in passbook_page(HouseholdFactory(community=community))


@pytest.mark.parametrize("expires_on", ["", "2000-01-01", "10000-01-01", "２０２６-１-１x"])
def test_a_notice_without_a_sensible_expiry_is_refused(community, expires_on):
    admin = client_of(community, StaffMembership.Role.ADMIN)
    response = post(admin, expires_on=expires_on)
    assert response.status_code == 400 and not Notice.objects.exists()


def test_staff_read_and_print_but_only_admins_write(community):
    admin = client_of(community, StaffMembership.Role.ADMIN)
    post(admin, expires_on=(TODAY + datetime.timedelta(days=3)).isoformat())
    staff = client_of(community, StaffMembership.Role.STAFF)
    assert post(staff, expires_on=TODAY.isoformat()).status_code == 403
    printed = staff.get(reverse("subdistrict:notice_print", args=[Notice.objects.get().pk]))
    assert printed.status_code == 200 and "data-print" in printed.content.decode()
    assert Notice.objects.count() == 1


def test_the_passbooks_of_a_community_read_its_notices_and_publications_once_a_minute(
    community, django_assert_num_queries
):
    admin = client_of(community, StaffMembership.Role.ADMIN)
    post(admin, expires_on=(TODAY + datetime.timedelta(days=3)).isoformat())
    first, second = HouseholdFactory(community=community), HouseholdFactory(community=community)
    with django_assert_num_queries(1 + 2):  # the notices; the publications and the contests
        assert stars.passbook_notices(first)["notices"][0].title == "本周六兑换"
        assert stars.passbook_publications(first) == {}
    with django_assert_num_queries(0):  # the same community: from the cache
        assert stars.passbook_notices(second)["notices"][0].title == "本周六兑换"
        assert stars.passbook_publications(second) == {}
    # A new notice is on the next page at once (in this server process; the others within
    # the minute).
    post(admin, title="停水通知", expires_on=(TODAY + datetime.timedelta(days=1)).isoformat())
    assert "停水通知" in passbook_page(second)
