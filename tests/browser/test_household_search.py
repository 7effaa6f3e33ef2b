import pytest

from residents.models import StaffMembership
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    StaffMembershipFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_search_a_household_by_room_and_open_it(live_server, phone_page, screenshot):
    membership = StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
        user__first_name="陈丽华",
    )
    community = membership.community
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    group = BuildingGroupFactory(community=community, compound=compound, name="5号楼组")
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    for room in ("301", "302", "401"):
        household = HouseholdFactory(
            community=community,
            compound=compound,
            building="5",
            room=room,
            building_group=group,
            passbook_number=f"SX-00{room}",
        )
        MemberFactory(household=household, name="郑兴友" if room == "302" else "李秀英")
    household.types.add(alone)

    page = phone_page
    page.goto(f"{live_server.url}/households/")
    assert "/login/" in page.url
    screenshot(page, "01-login")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/households/")
    assert page.locator(".community-name").inner_text() == "山鑫阳光城"

    page.fill("#id_q", "5-302")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    assert "郑兴友" in page.locator("#results").inner_text()
    screenshot(page, "02-household-search")

    page.click("#results tbody tr a.strong")
    page.wait_for_url("**/households/*/")
    assert page.locator("h1").inner_text() == "山鑫阳光城一期5号302室"
    assert "SX-00302" in page.locator(".passbook-number").inner_text()
    assert "郑兴友" in page.content()
    screenshot(page, "03-household-detail")


def test_staff_register_a_household_with_two_members_on_a_phone(
    live_server, phone_page, screenshot
):
    membership = StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        user__username="sx_staff",
    )
    CompoundFactory(community=membership.community, name="山鑫阳光城二期")
    page = phone_page
    page.goto(f"{live_server.url}/login/?next=/households/new/")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/households/new/")

    page.fill("#id_building", "８")  # full-width digits are normalised
    page.fill("#id_room", "1201")
    page.fill("#id_phone", "021 6400 1234")
    page.fill("#id_members-0-name", "郑兴友")
    page.fill("#id_members-0-birth_year", "1948")
    page.click("#add-member")  # the JavaScript clone of the empty member form
    page.fill("#id_members-1-name", "李秀英")
    page.select_option("#id_members-1-relation", "spouse")
    page.fill("#id_members-1-specialties", "量血压、编织")
    screenshot(page, "04-register-household")
    page.click(".form-actions button[type=submit]")

    page.wait_for_url("**/households/*/")
    assert page.locator("h1").inner_text() == "山鑫阳光城二期8号1201室"
    assert "SX-00001" in page.locator(".messages").inner_text()
    assert "李秀英" in page.content() and "编织" in page.content()
    screenshot(page, "05-registered")
