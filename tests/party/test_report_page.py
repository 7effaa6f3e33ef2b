"""Registering a party member who lives elsewhere and reported here (报到): the page at
/party/report/ creates the non-resident member and their party profile together, refuses
bad input and duplicates saving nothing, and is the community's staff's alone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from party.models import PartyMember
from residents.models import AuditEvent, Member, StaffMembership
from tests.conftest import _client_for
from tests.factories import NonResidentFactory

pytestmark = pytest.mark.django_db

URL = reverse("party:report")


def post_data(**changes) -> dict:
    data = {
        "name": "周建华",
        "gender": "M",
        "birth_year": "1978",
        "phone": "138 0013 8000",
        "employer": "市政工程公司",
        "job_title": "道路工程师",
        "specialties": "电工、驾驶",
        "is_in_service_party_member": "on",
        "reported_on": "2026-03-01",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def saved_count() -> tuple[int, int]:
    return Member.objects.count(), PartyMember.objects.count()


def test_the_form_opens_with_today_and_in_service_ticked(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["reported_on"].value() == timezone.localdate()
    assert form["is_in_service_party_member"].value() is True


def test_reporting_creates_the_non_resident_member_and_the_profile(staff_client, community):
    response = staff_client.post(URL, post_data(), follow=True)
    member = Member.objects.get(community=community, name="周建华")
    assert response.redirect_chain == [(reverse("party:member", args=[member.pk]), 302)]
    assert "已登记报到：周建华。" in response.content.decode()
    assert member.residence == Member.Residence.NON_RESIDENT
    assert member.household_id is None
    assert (member.is_party_member, member.is_in_service_party_member) == (True, True)
    assert (member.employer, member.job_title) == ("市政工程公司", "道路工程师")
    assert member.phone == "13800138000"
    assert member.specialties == ["电工", "驾驶"]
    assert member.birth_year == 1978
    profile = PartyMember.objects.get(member=member)
    assert profile.community_id == community.pk
    assert profile.reported_on.isoformat() == "2026-03-01"


def test_the_birth_year_and_mobile_may_be_left_out(staff_client, community):
    response = staff_client.post(URL, post_data(birth_year="", phone=""))
    assert response.status_code == 302
    member = Member.objects.get(community=community, name="周建华")
    assert (member.birth_year, member.phone) == (None, "")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "周\x00建华"}, "name", None),
        ({"phone": "١٣٨٠٠١٣٨٠٠٠"}, "phone", None),
        ({"phone": "13８0013８000²"}, "phone", None),
        ({"birth_year": "10000"}, "birth_year", "出生年份"),
        ({"reported_on": "10000-01-01"}, "reported_on", None),
        ({"reported_on": ""}, "reported_on", "请填写报到日期。"),
        ({"name": ""}, "name", "请填写姓名。"),
        ({"employer": "\x00"}, "employer", None),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(
    staff_client, changes, field, message
):
    before = saved_count()
    response = staff_client.post(URL, post_data(**changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in error) for error in errors[field])
    if message:
        assert any(message in error for error in errors[field])
    assert saved_count() == before


def test_the_same_name_and_mobile_here_is_refused_with_a_link_to_the_one_registered(
    staff_client, community
):
    existing = NonResidentFactory(community=community, name="周建华", phone="13800138000")
    before = saved_count()
    response = staff_client.post(URL, post_data())
    assert response.status_code == 400
    text = response.content.decode()
    assert "本居民区已有同名同手机号的人员：周建华。" in text
    assert reverse("party:member", args=[existing.pk]) in text
    assert saved_count() == before


def test_the_same_name_and_mobile_in_another_community_is_no_duplicate(
    staff_client, community, other_community
):
    NonResidentFactory(community=other_community, name="周建华", phone="13800138000")
    assert staff_client.post(URL, post_data()).status_code == 302
    assert Member.objects.filter(community=community, name="周建华").count() == 1


def test_the_counter_clerk_may_not_register_one(counter_client):
    assert counter_client.get(URL).status_code == 403
    before = saved_count()
    assert counter_client.post(URL, post_data()).status_code == 403
    assert saved_count() == before


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(URL, post_data()).status_code == 302
    assert not Member.objects.exists()


def test_admins_may_register_one_too(admin_client_of_community, community):
    assert admin_client_of_community.post(URL, post_data()).status_code == 302
    assert PartyMember.objects.filter(community=community).count() == 1


def test_another_communitys_admin_sees_none_of_it(staff_client, community, other_community):
    staff_client.post(URL, post_data())
    member = Member.objects.get(community=community, name="周建华")
    other_admin = _client_for(other_community, StaffMembership.Role.ADMIN)
    assert other_admin.get(reverse("party:member", args=[member.pk])).status_code == 404
    assert "周建华" not in other_admin.get(reverse("party:register")).content.decode()
    # What the other admin registers lands in their own community.
    other_admin.post(URL, post_data(name="吴立新"))
    assert Member.objects.get(name="吴立新").community_id == other_community.pk


def test_the_audit_trail_records_who_registered_the_member_and_the_profile(staff_client):
    staff_client.post(URL, post_data())
    member = Member.objects.get(name="周建华")
    profile = PartyMember.objects.get(member=member)
    for obj in (member, profile):
        event = AuditEvent.objects.get(table=obj._meta.db_table, object_id=obj.pk)
        assert event.action == AuditEvent.Action.INSERT
        assert event.actor_id == staff_client.user.pk


def test_the_register_offers_the_report_button(staff_client):
    text = staff_client.get(reverse("party:register")).content.decode()
    assert URL in text
    assert "登记报到党员" in text
