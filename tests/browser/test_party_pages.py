"""The party pages end to end in Chromium at 1280 px: staff sign in, find the electricians in
the party register by a skill, and open the quarter's standings with the big savers on top."""

from __future__ import annotations

import uuid

import pytest

from party import services
from residents.models import StaffMembership
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    NonResidentFactory,
    StaffMembershipFactory,
)
from tests.party.helpers import D, party_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk_page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def test_staff_search_the_register_by_skill_and_read_the_standings(
    live_server, desk_page, screenshot
):
    membership = StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
        user__first_name="陈丽华",
    )
    community = membership.community
    setup = party_setup(community)
    wang = MemberFactory(
        household=HouseholdFactory(community=community),
        name="王建国",
        is_party_member=True,
        specialties=["电工"],
    )
    zhou = NonResidentFactory(
        community=community, name="周建华", employer="国网上海金山供电公司", specialties=["电工"]
    )
    NonResidentFactory(community=community, name="吴立新", specialties=["驾驶"])
    for month in (7, 8, 9):
        services.record_roll_call(
            community=community,
            project=setup.dues,
            on=D(2026, month, 10),
            present=[wang.pk, zhou.pk],
            submission_key=uuid.uuid4(),
            by=membership.user,
        )

    page = desk_page
    page.goto(f"{live_server.url}/party/")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/party/")
    page.fill("#id_q", "电工")
    page.click(".filters__search button[type=submit]")
    page.wait_for_url("**/party/?q=*")
    rows = page.locator(".party-register tbody tr")
    assert rows.count() == 2
    assert "吴立新" not in page.content()
    screenshot(page, "party-register-skill-search")

    page.goto(f"{live_server.url}/party/standings/?period=2026Q3")
    assert page.locator(".savers").is_visible()
    assert page.locator(".saver").first.inner_text().startswith("1")
    screenshot(page, "party-standings")


def test_staff_register_a_party_member_who_reported_here(live_server, desk_page, screenshot):
    StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
    )
    page = desk_page
    page.goto(f"{live_server.url}/party/")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/party/")
    page.click("text=登记报到党员")
    page.wait_for_url("**/party/report/")
    page.fill("#id_name", "周建华")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_employer", "市政工程公司")
    page.fill("#id_job_title", "道路工程师")
    page.fill("#id_specialties", "电工、驾驶")
    screenshot(page, "party-report-form")
    page.click("main button[type=submit]")
    page.wait_for_url("**/party/members/*/")
    assert "已登记报到：周建华。" in page.content()
    screenshot(page, "party-report-done")
