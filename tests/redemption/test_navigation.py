"""Where each role lands and what the menu offers them."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_counter_clerk_lands_on_the_counter_and_sees_only_it(counter_client):
    response = counter_client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("redemption:counter")
    assert response.status_code == 200
    nav = response.content.decode()
    assert reverse("redemption:counter") in nav
    assert reverse("residents:household_list") not in nav
    assert reverse("redemption:round_list") not in nav


def test_staff_land_on_the_dashboard_and_reach_the_counter_and_rounds(staff_client):
    response = staff_client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("redemption:dashboard")
    page = response.content.decode()
    assert reverse("redemption:counter") in page
    assert reverse("redemption:round_list") in page
    assert reverse("redemption:reward_list") not in page
    assert reverse("residents:audit_list") not in page


def test_admins_also_manage_the_catalogue_and_see_changes_and_exports(admin_client_of_community):
    page = admin_client_of_community.get(reverse("residents:household_list")).content.decode()
    assert reverse("redemption:reward_list") in page
    assert reverse("residents:audit_list") in page
    assert reverse("residents:export_log") in page


def test_logging_in_goes_through_the_home_page(client, counter_client):
    clerk = counter_client.user
    response = client.post(
        reverse("login"), {"username": clerk.username, "password": "pass-word-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("redemption:counter")
