from decimal import Decimal

import pytest

from points.models import Account
from redemption.models import Redemption, RoundItem
from residents.models import StaffMembership
from tests.factories import CompoundFactory, HouseholdFactory, MemberFactory, StaffMembershipFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_counter_clerk_finds_a_household_redeems_and_gets_the_receipt_on_a_phone(
    live_server, phone_page, screenshot
):
    membership = StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.COUNTER,
        user__username="sx_counter",
        user__first_name="顾美娟",
    )
    community = membership.community
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    household = HouseholdFactory(
        community=community,
        compound=compound,
        passbook_number="SX-00123",
        building="5",
        room="302",
    )
    MemberFactory(household=household, name="郑兴友")
    give_points(household, 100)
    round_, _none = open_round_with(
        community, items=0, name="2026年第四季度", code="2026Q4", budget_yuan=Decimal("500")
    )
    soap = RoundItemFactory(
        round=round_,
        reward=RewardFactory(community=community, name="洗手液", unit="瓶", point_price=5),
        per_household_limit=2,
    )
    oil = RoundItemFactory(
        round=round_,
        reward=RewardFactory(
            community=community, name="食用油", unit="桶", point_price=20, cost_yuan=45
        ),
        stock=10,
    )

    page = phone_page
    page.goto(f"{live_server.url}/counter/")
    assert "/login/" in page.url
    page.fill("#id_username", "sx_counter")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/counter/")
    assert "2026年第四季度" in page.locator(".counter-round").inner_text()
    screenshot(page, "counter-01-counter")

    page.fill("#id_q", "sx123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/counter/households/{household.pk}/")
    assert "SX-00123" in page.locator("h1").inner_text()
    assert "郑兴友" in page.content()  # in full, to check who is at the counter
    assert page.locator("#counter-balance").inner_text() == "100"

    page.fill(f"#id_qty_{soap.pk}", "2")
    page.fill(f"#id_qty_{oil.pk}", "1")
    page.wait_for_function("document.getElementById('counter-total').value === '30'")
    assert page.locator("#counter-after").inner_text() == "70"
    screenshot(page, "counter-02-household")

    page.click(".counter-confirm button[type=submit]")
    page.wait_for_url("**/redemptions/*/")
    receipt = page.locator(".receipt").inner_text()
    for text in (
        "兑换单",
        "SX-2026Q4-0001",
        "SX-00123",
        "洗手液",
        "食用油",
        "顾美娟",
        "领取人签字",
    ):
        assert text in receipt
    assert "兑换成功" in page.locator(".messages").inner_text()
    screenshot(page, "counter-03-receipt")

    redemption = Redemption.objects.get()
    assert redemption.points == 30 and redemption.household == household
    assert Account.objects.get(household=household).balance == 70
    assert redemption.entry.balance_after == 70
    assert list(RoundItem.objects.order_by("pk").values_list("taken", flat=True)) == [2, 1]
    round_.refresh_from_db()
    assert round_.spent_yuan == Decimal("62.00")  # 2 × 8.50 + 45

    # The receipt prints without the site's header and buttons.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".receipt-tools").is_visible()
    assert page.locator(".receipt").is_visible()
    screenshot(page, "counter-04-receipt-print")
