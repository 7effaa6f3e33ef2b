"""Item 10a of issue 17: staff ring residents. A masked phone is shown in full with one
click (a POST that returns the number); each reveal is on record in the audit trail (who,
whose, when); a user may reveal only so many; the counter role and other communities may
not. (That the application's role cannot change or remove a reveal: tests/security/
test_app_role.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from residents import services
from residents.models import AuditEvent, PhoneReveal
from tests.factories import HouseholdFactory, MemberFactory

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def household(community):
    household = HouseholdFactory(community=community, phone="02164001234")
    MemberFactory(household=household, community=community, name="郑兴友", phone="15967037556")
    return household


def url(household) -> str:
    return reverse("residents:household_phone", args=[household.pk])


def test_staff_see_phones_masked_with_a_button_to_show_each(staff_client, household):
    html = staff_client.get(household.get_absolute_url()).content.decode()
    assert "15967037556" not in html and "159****7556" in html
    assert html.count("data-reveal-phone") == 2  # the household's and 郑兴友's
    assert "js/reveal-phone.js" in html


def test_one_click_returns_the_number_and_puts_who_whose_when_in_the_audit_trail(
    staff_client, household
):
    zheng = household.members.get()
    response = staff_client.post(url(household), {"member": zheng.pk}, **JSON)

    assert response.status_code == 200
    assert response.json() == {"phone": "15967037556"}
    assert response["Cache-Control"].startswith("max-age=0")
    reveal = PhoneReveal.objects.get()
    assert (reveal.user, reveal.household, reveal.member) == (staff_client.user, household, zheng)
    event = AuditEvent.objects.get(table="residents_phonereveal")
    assert event.actor_id == staff_client.user.pk  # who
    assert event.new["member_id"] == zheng.pk and event.new["household_id"] == household.pk
    assert event.at is not None  # when


def test_the_households_own_number_is_shown_without_a_member(staff_client, household):
    response = staff_client.post(url(household), **JSON)
    assert response.json() == {"phone": "02164001234"}
    assert PhoneReveal.objects.get().member is None


def test_without_javascript_a_page_shows_the_number(staff_client, household):
    response = staff_client.post(url(household), {"member": household.members.get().pk})
    assert response.status_code == 200
    assert 'href="tel:15967037556"' in response.content.decode()


def test_the_reveals_of_one_hour_are_limited(staff_client, household, monkeypatch):
    monkeypatch.setattr(services, "REVEALS_PER_HOUR", 2)
    for _ in range(2):
        assert staff_client.post(url(household), **JSON).status_code == 200
    refused = staff_client.post(url(household), **JSON)
    assert refused.status_code == 429
    assert "一小时内最多查看 2 个完整号码" in refused.json()["error"]
    assert PhoneReveal.objects.count() == 2


def test_the_counter_role_cannot_reveal_a_phone(counter_client, household):
    assert counter_client.post(url(household), **JSON).status_code == 403
    assert not PhoneReveal.objects.exists()


def test_another_communitys_household_or_member_is_not_found(
    staff_client, other_staff_client, household, community
):
    assert other_staff_client.post(url(household), **JSON).status_code == 404
    elsewhere = MemberFactory(household=HouseholdFactory(community=community), phone="13900001111")
    response = staff_client.post(url(household), {"member": elsewhere.pk}, **JSON)
    assert response.status_code == 404  # a member of another household, even one's own
    assert not PhoneReveal.objects.exists()


def test_a_reveal_refuses_get(staff_client, household):
    assert staff_client.get(url(household)).status_code == 405


def test_admins_read_each_reveal_in_the_households_history(
    staff_client, admin_client_of_community, household
):
    zheng = household.members.get()
    staff_client.post(url(household), {"member": zheng.pk}, **JSON)
    history = reverse("residents:audit_object", args=["residents_household", household.pk])
    html = admin_client_of_community.get(history).content.decode()
    entry = html.split("查看完整电话", 1)[1]
    assert "郑兴友" in entry.split("</tr>")[0] or "郑兴友" in entry[:2000]
    assert staff_client.user.first_name in html
