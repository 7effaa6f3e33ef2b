"""Issue 17, item 1: a signed-in staff member who opens a passbook link (scans the QR code
on the counter phone) keeps their login and lands on that household's page for their role;
no resident session starts and the link keeps working for the resident."""

import pytest
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.test import Client
from django.urls import reverse

from points import passbook
from residents.models import StaffMembership
from tests.factories import HouseholdFactory, StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(community):
    return HouseholdFactory(community=community)


@pytest.fixture
def token(household) -> str:
    return passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]


def scan(client: Client, token: str):
    return client.get(reverse("points:passbook_open", args=[token]))


def test_a_clerk_who_scans_a_passbook_lands_on_the_household_at_the_counter(
    counter_client, household, token
):
    response = scan(counter_client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("redemption:counter_household", args=[household.pk])
    page = counter_client.get(response["Location"])
    assert page.status_code == 200
    assert household.passbook_number in page.content.decode()


def test_staff_who_scan_a_passbook_land_on_the_household_page(staff_client, household, token):
    response = scan(staff_client, token)
    assert response["Location"] == reverse("residents:household_detail", args=[household.pk])
    assert staff_client.get(response["Location"]).status_code == 200


def test_scanning_never_replaces_the_staff_login_with_a_resident_session(counter_client, token):
    user_before = counter_client.session[AUTH_SESSION_KEY]
    scan(counter_client, token)
    session = counter_client.session
    assert session[AUTH_SESSION_KEY] == user_before
    assert passbook.SESSION_KEY not in session
    # Every staff page still opens: the clerk is not logged out.
    assert counter_client.get(reverse("redemption:counter")).status_code == 200


def test_the_link_is_not_used_up_by_a_staff_scan(counter_client, household, token):
    scan(counter_client, token)
    resident = Client()
    assert scan(resident, token)["Location"] == reverse("points:passbook")
    assert resident.get(reverse("points:passbook")).status_code == 200


def test_a_household_of_another_community_is_not_found_for_staff(other_community, token):
    stranger = StaffMembershipFactory(
        community=other_community, role=StaffMembership.Role.COUNTER
    ).user
    client = Client()
    client.force_login(stranger)
    assert scan(client, token).status_code == 404
    assert client.get(reverse("redemption:counter")).status_code == 200


def test_staff_of_several_communities_are_switched_to_the_households_community(
    community, other_community, household, token
):
    user = StaffMembershipFactory(community=other_community).user
    StaffMembershipFactory(community=community, user=user, role=StaffMembership.Role.COUNTER)
    client = Client()
    client.force_login(user)
    response = scan(client, token)
    assert response["Location"] == reverse("redemption:counter_household", args=[household.pk])
    assert client.get(response["Location"]).status_code == 200


def test_a_wrong_link_is_a_staff_404_and_keeps_the_login(counter_client):
    assert scan(counter_client, "x" * 43).status_code == 404
    assert counter_client.get(reverse("redemption:counter")).status_code == 200
