"""Three journeys through the app in a real browser, one after the other, the way a
residents' committee lives a quarter:

1. staff log a volunteer activity of 12 people and review it into points;
2. a resident scans the passbook's QR code on a phone and sees those points;
3. an admin opens a redemption round, the counter clerk redeems goods for that household
   and prints the receipt, the passbook shows the debit, the admin closes the round and
   downloads the settlement.

Each step saves a screenshot to screenshots/journeys/ (ignored by git); with
UPDATE_SCREENSHOTS=1 they replace the ones in docs/screenshots/ that the README shows.
"""

from __future__ import annotations

import io
import os
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import segno
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from points.views.printing import SHEET_SESSION_KEY
from redemption.models import Redemption, Round, RoundItem
from residents.models import StaffMembership
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    StaffMembershipFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import RewardFactory
from volunteering.models import Activity, Attendance

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.long,
]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS")
    else ROOT / "screenshots" / "journeys"
)
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PASSWORD = "pass-word-123"  # UserFactory's
POINTS_PER_SESSION = 5


def shot(page, name: str, *, full_page: bool = False) -> None:
    """A viewport screenshot by default: long pages would make large PNGs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def centre(page, selector: str) -> None:
    page.locator(selector).evaluate("el => el.scrollIntoView({block: 'center'})")


def log_in(page, base_url: str, next_path: str, username: str) -> None:
    page.goto(f"{base_url}/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_url(f"**{next_path}")


@pytest.fixture
def neighbourhood():
    """One community: its staff, a project with a point rule, 14 residents in 11
    households (12 of them turn out for the activity) and a reward catalogue."""

    first = StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
        user__first_name="李梅",
    )
    community = first.community

    def staff(username: str, role: str, first_name: str):
        return StaffMembershipFactory(
            community=community,
            role=role,
            user__username=username,
            user__first_name=first_name,
        )

    staff("sx_admin", StaffMembership.Role.ADMIN, "周建华")
    staff("sx_counter", StaffMembership.Role.COUNTER, "顾美娟")
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    ProjectFactory(community=community, name="楼道清洁", category__name="环境美化")
    PointRuleFactory(community=community, points_per_session=POINTS_PER_SESSION)

    numbers = iter(range(123, 200))

    def household(building: str, room: str, *names: str):
        home = HouseholdFactory(
            community=community,
            compound=compound,
            building=building,
            room=room,
            passbook_number=f"SX-{next(numbers):05d}",
        )
        people = [
            MemberFactory(household=home, name=name, relation="head" if n == 0 else "spouse")
            for n, name in enumerate(names)
        ]
        return home, people

    zheng_home, zheng_family = household("5", "302", "郑兴友", "李秀英")  # SX-00123
    people = {
        "zheng": zheng_family,  # found by room, 5-302
        "zhang": [  # found by full pinyin, "zhang"
            household("7", "101", "张桂兰")[1][0],
            household("7", "102", "张建华")[1][0],
            household("8", "201", "张德明", "王丽")[1][0],
            household("8", "202", "张丽")[1][0],
        ],
        "initials": {  # found by pinyin initials
            "wjg": household("9", "101", "王建国")[1][0],
            "czq": household("9", "102", "陈志强")[1][0],
            "lsz": household("9", "201", "刘淑珍")[1][0],
            "hmy": household("9", "202", "黄美玉")[1][0],
        },
    }
    _home, (zhou, xu) = household("6", "201", "周国平", "徐惠敏")
    people["room_6_201"] = [zhou, xu]
    household("10", "101", "张伟")  # a neighbour named Zhang who stayed home
    rewards = {
        "soap": RewardFactory(
            community=community, name="洗手液", unit="瓶", point_price=4, cost_yuan="8.50"
        ),
        "tissue": RewardFactory(
            community=community, name="抽纸", unit="提", point_price=3, cost_yuan="12.00"
        ),
    }
    return {
        "community": community,
        "home": zheng_home,
        "people": people,
        "rewards": rewards,
    }


def test_a_quarter_from_logging_an_activity_to_the_settlement_in_a_real_browser(
    live_server, browser, neighbourhood
):
    base = live_server.url
    home = neighbourhood["home"]
    staff_context = browser.new_context(viewport=DESK, locale="zh-CN")
    resident_context = browser.new_context(viewport=PHONE, locale="zh-CN")
    admin_context = browser.new_context(viewport=DESK, locale="zh-CN")
    counter_context = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        staff_page = staff_context.new_page()
        journey_1_staff_log_an_activity_of_twelve_and_approve_it(staff_page, base, neighbourhood)
        resident_page = resident_context.new_page()
        passbook_url = journey_2_resident_opens_the_passbook_from_its_qr_link(
            staff_page, resident_page, base, home
        )
        journey_3_a_redemption_round_from_opening_to_settlement(
            admin_context.new_page(),
            counter_context.new_page(),
            resident_page,
            base,
            neighbourhood,
            passbook_url,
        )
    finally:
        for context in (staff_context, resident_context, admin_context, counter_context):
            context.close()


def journey_1_staff_log_an_activity_of_twelve_and_approve_it(page, base, neighbourhood) -> None:
    people = neighbourhood["people"]
    home = neighbourhood["home"]

    page.goto(f"{base}/activities/new/")
    page.wait_for_url("**/login/**")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    shot(page, "journey1-01-login")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", PASSWORD)
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/activities/new/")

    page.select_option("#id_project", label="环境美化 · 楼道清洁")
    page.fill("#id_title", "周六楼道清洁日")
    page.fill("#id_start_time", "09:00")
    page.fill("#id_end_time", "11:00")

    def add(query: str, members) -> None:
        page.fill("#people-q", query)  # results as you type
        for member in members:
            button = page.locator(f"#people-results [data-add-member='{member.pk}']")
            button.wait_for(state="visible")
            button.click()
            page.wait_for_selector(f"#participant-rows tr[data-member-id='{member.pk}']")

    add("5-302", people["zheng"])  # building 5, room 302: both of the household
    add("zhang", people["zhang"])
    # "zhang" found the neighbour who stayed home too; he is not added.
    assert "张伟" in page.locator("#people-results").inner_text()
    # With JavaScript the no-script fallback button is hidden (people are added in place).
    assert not page.locator("#people-results button[data-no-js]").is_visible()
    page.locator(".picker").scroll_into_view_if_needed()
    shot(page, "journey1-02-find-by-pinyin")
    for initials, member in people["initials"].items():
        add(initials, [member])
    add("6-201", people["room_6_201"])
    assert page.locator("#participant-count").inner_text() == "12"
    page.locator("#participant-rows").scroll_into_view_if_needed()
    shot(page, "journey1-03-twelve-people")

    with page.expect_navigation():
        page.click("[data-save]")
    assert re.search(r"/activities/\d+/$", page.url)
    assert "12 人参与" in page.locator(".messages").inner_text()
    shot(page, "journey1-04-activity-saved")

    page.click("nav.site-nav >> text=积分审核")
    page.wait_for_url("**/review/")
    activity = Activity.objects.get()
    section = page.locator(f"section[aria-labelledby='activity-{activity.pk}']")
    assert "周六楼道清洁日" in section.inner_text()
    assert section.locator("tbody tr").count() == 12
    approve = section.locator(f"button[name=activity][value='{activity.pk}']")
    assert approve.inner_text() == f"通过本场全部 12 条（{12 * POINTS_PER_SESSION} 分）"
    shot(page, "journey1-05-review-queue")

    with page.expect_navigation():
        approve.click()
    assert (
        f"已通过 12 条，记 {12 * POINTS_PER_SESSION} 分。" in page.locator(".messages").inner_text()
    )
    assert "没有待审核的记录" in page.content()
    assert not Attendance.objects.exclude(status=Attendance.Status.APPROVED).exists()

    # The points show on the household's page (loaded in place by htmx).
    page.goto(f"{base}/households/{home.pk}/")
    balance = page.locator("#household-points .passbook-balance__value")
    balance.wait_for()
    assert balance.inner_text() == str(2 * POINTS_PER_SESSION)  # two of the family went
    centre(page, "#household-points")
    shot(page, "journey1-06-household-points")


def journey_2_resident_opens_the_passbook_from_its_qr_link(staff_page, page, base, home) -> str:
    """Staff print the passbook cover; the resident opens the link its QR code encodes."""
    session_key = next(c["value"] for c in staff_page.context.cookies() if c["name"] == "sessionid")
    printed = {}

    def print_cover(route) -> None:
        # The new plain token rides in the staff session from this POST to the one GET that
        # renders the sheet: read it between the two, as the browser follows the redirect.
        response = route.fetch(max_redirects=0)
        printed["tokens"] = SessionStore(session_key=session_key)[SHEET_SESSION_KEY]["tokens"]
        route.fulfill(response=response)

    staff_page.route("**/households/*/passbook/print/", print_cover)
    with staff_page.expect_response("**/passbooks/print/sheet/") as sheet:
        staff_page.click("#household-passbook-qr button.button--primary")
    printed["html"] = sheet.value.text()
    staff_page.unroute("**/households/*/passbook/print/")
    assert len(printed["tokens"]) == 1
    url = base + reverse("points:passbook_open", args=[printed["tokens"][0]])
    qr = segno.make(url, error="m").svg_inline(omitsize=True, svgclass="qr")
    assert qr in printed["html"]  # this very link is what the printed QR code holds
    cover = staff_page.locator("article.cover")
    assert "SX-00123" in cover.inner_text()
    shot(staff_page, "journey2-01-passbook-cover")

    page.goto(url)
    page.wait_for_url("**/passbook/")
    assert printed["tokens"][0] not in page.url
    assert page.locator("#balance").inner_text() == str(2 * POINTS_PER_SESSION)
    assert "SX-00123" in page.locator(".pb-number").inner_text()
    entries = page.locator(".pb-table tbody").inner_text()
    assert entries.count("周六楼道清洁日") == 2
    assert "郑*友" in entries and "李*英" in entries
    assert "郑兴友" not in page.content()  # names are masked for whoever holds the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "journey2-02-resident-passbook")
    return url


def journey_3_a_redemption_round_from_opening_to_settlement(
    admin, clerk, resident, base, neighbourhood, passbook_url
) -> None:
    home = neighbourhood["home"]
    soap, tissue = neighbourhood["rewards"]["soap"], neighbourhood["rewards"]["tissue"]
    balance = 2 * POINTS_PER_SESSION

    # The admin sets up the round: the form is filled in for this quarter, the budget is not.
    log_in(admin, base, "/rounds/new/", "sx_admin")
    admin.fill("#id_budget_yuan", "500")
    with admin.expect_navigation():
        admin.click("form.round-form button[type=submit]")
    assert re.search(r"/rounds/\d+/$", admin.url)
    round_ = Round.objects.get()
    for reward, stock, limit in ((soap, "20", "2"), (tissue, "30", "")):
        admin.select_option("#add-item select[name=reward]", value=str(reward.pk))
        admin.fill("#add-item input[name=stock]", stock)
        admin.fill("#add-item input[name=per_household_limit]", limit)
        with admin.expect_navigation():
            admin.click("#add-item button[type=submit]")
        assert reward.name in admin.locator("#items .item-table tbody").inner_text()
    items = admin.locator("#items .item-table tbody").inner_text()
    assert "洗手液" in items and "抽纸" in items
    admin.check("#open input[name=confirm]")
    admin.locator("#open").scroll_into_view_if_needed()
    shot(admin, "journey3-01-round-items")
    with admin.expect_navigation():
        admin.click("#open button[type=submit]")
    assert "已开始兑换" in admin.locator(".messages").inner_text()
    shot(admin, "journey3-02-round-open")
    round_.refresh_from_db()
    assert round_.status == Round.Status.OPEN

    # The counter clerk, on a phone, finds the household by its address and redeems.
    log_in(clerk, base, "/counter/", "sx_counter")
    assert round_.name in clerk.locator(".counter-round").inner_text()
    shot(clerk, "journey3-03-counter")
    clerk.fill("#id_q", "5-302")
    clerk.keyboard.press("Enter")
    clerk.wait_for_url(f"**/counter/households/{home.pk}/")
    assert clerk.locator("#counter-balance").inner_text() == str(balance)
    soap_item = RoundItem.objects.get(round=round_, reward=soap)
    tissue_item = RoundItem.objects.get(round=round_, reward=tissue)
    clerk.fill(f"#id_qty_{soap_item.pk}", "1")
    clerk.fill(f"#id_qty_{tissue_item.pk}", "1")
    spent = soap.point_price + tissue.point_price
    clerk.wait_for_function(f"document.getElementById('counter-total').value === '{spent}'")
    assert clerk.locator("#counter-after").inner_text() == str(balance - spent)
    clerk.locator(".counter-confirm").scroll_into_view_if_needed()
    shot(clerk, "journey3-04-counter-household")

    clerk.click(".counter-confirm button[type=submit]")
    clerk.wait_for_url("**/redemptions/*/")
    assert "兑换成功" in clerk.locator(".messages").inner_text()
    receipt = clerk.locator(".receipt").inner_text()
    number = f"SX-{round_.code}-0001"
    for text in (number, "SX-00123", "洗手液", "抽纸", "顾美娟", "领取人签字"):
        assert text in receipt
    shot(clerk, "journey3-05-receipt")
    # The print button opens the browser's print dialogue (replaced here by a counter).
    clerk.evaluate("() => { window.__printed = 0; window.print = () => window.__printed++; }")
    clerk.click(".receipt-tools button:has-text('打印')")
    assert clerk.evaluate("window.__printed") == 1
    clerk.emulate_media(media="print")
    assert not clerk.locator(".site-header").is_visible()
    assert not clerk.locator(".receipt-tools").is_visible()
    shot(clerk, "journey3-06-receipt-print")

    # The resident's phone shows the debit.
    resident.goto(passbook_url.split("/p/")[0] + "/passbook/")
    assert resident.locator("#balance").inner_text() == str(balance - spent)
    debit = resident.locator(".pb-table tbody tr", has_text="兑换").first
    assert f"-{spent}" in debit.locator("td.out").inner_text()
    centre(resident, ".pb-table")
    shot(resident, "journey2-03-resident-passbook-debit")

    # The admin closes the round (a confirmation, then the settlement) and downloads it.
    admin.goto(f"{base}/rounds/{round_.pk}/")
    close = admin.locator("#close")
    assert "结账后不能撤销" in close.inner_text()
    admin.check("#close input[name=confirm]")
    close.scroll_into_view_if_needed()
    shot(admin, "journey3-07-close-confirm")
    with admin.expect_navigation():
        close.locator("button[type=submit]").click()
    assert f"/rounds/{round_.pk}/settlement/" in admin.url
    assert "已结账" in admin.locator(".messages").inner_text()
    assert number in admin.content()
    shot(admin, "journey3-08-settlement")
    with admin.expect_download() as download_info:
        admin.click("a[href$='settlement.xlsx']")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert number in cells
    assert "SX-00123" in cells
    assert {"洗手液", "抽纸"} <= set(cells)

    redemption = Redemption.objects.get()
    assert redemption.points == spent and redemption.household == home
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    assert round_.spent_yuan == Decimal("20.50")
