import pytest

from points import passbook, services
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    UserFactory,
)
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_opens_the_passbook_link_on_a_phone_and_sees_the_balance(
    live_server, phone_page, screenshot
):
    community = CommunityFactory(name="山鑫阳光城居民区", slug="shanxin", passbook_prefix="SX")
    household = HouseholdFactory(community=community, phone="13812345678")
    zheng = MemberFactory(household=household, name="郑兴友")
    MemberFactory(household=household, name="李秀英", relation="spouse")
    PointRuleFactory(community=community)
    staff = UserFactory()
    for title in ("周三夜间安全巡逻", "义诊量血压"):
        attendance = AttendanceFactory(
            activity=ActivityFactory(
                project=ProjectFactory(community=community, name=title), title=title
            ),
            member=zheng,
        )
        services.approve(community=community, attendance_ids=[attendance.pk], by=staff)
    services.adjust(household=household, amount=10, reason="纸质存折积分转入", by=staff)
    token = passbook.issue_tokens(households=[household], by=staff)[household.pk]

    page = phone_page
    page.goto(f"{live_server.url}/p/{token}/")
    page.wait_for_url("**/passbook/")
    assert token not in page.url
    assert page.locator("#balance").inner_text() == "12"
    assert household.passbook_number in page.locator(".pb-number").inner_text()
    assert "郑*友" in page.content() and "郑兴友" not in page.content()
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 18
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # nothing wider than the phone
    screenshot(page, "09-resident-passbook")


def test_a_resident_leaves_the_passbook_with_its_button_in_a_real_browser(live_server, phone_page):
    # Chromium posts a form under a no-referrer policy with `Origin: null`, which Django's
    # CSRF check refuses (403): the passbook's pages must not send that policy.
    community = CommunityFactory(name="山鑫阳光城居民区", slug="shanxin", passbook_prefix="SX")
    household = HouseholdFactory(community=community)
    MemberFactory(household=household, name="郑兴友")
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]

    page = phone_page
    page.goto(f"{live_server.url}/p/{token}/")
    page.wait_for_url("**/passbook/")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="退出查看").click()
    assert posted.value.status == 200
    assert page.locator("body").inner_text().count("403") == 0
    page.goto(f"{live_server.url}/passbook/")
    assert household.passbook_number not in page.content()
