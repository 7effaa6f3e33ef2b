"""Issue 19's journey in a real browser: a resident posts a small wish from the passbook on
a phone; staff find it, dispatch it to a volunteer team, the team takes it and does it, staff
record what was done and the resident's answer; the doer's hours wait in the review queue
like any other, and once approved reach the doer's passbook.

Screenshots go to screenshots/wishes/ (ignored by git)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.urls import reverse

from needs import partners, services
from needs.models import Need
from points import passbook
from residents.models import StaffMembership
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    ProjectFactory,
    StaffMembershipFactory,
    TeamFactory,
    TeamMembershipFactory,
)
from tests.needs.factories import VisitFactory
from tests.points.factories import PointRuleFactory
from volunteering.models import Attendance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "wishes"
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PASSWORD = "pass-word-123"  # UserFactory's
POINTS = 5


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def street():
    staff = StaffMembershipFactory(
        community__name="虹西居民区",
        community__slug="hongxi",
        community__passbook_prefix="HX",
        role=StaffMembership.Role.STAFF,
        user__username="hx_staff",
        user__first_name="李梅",
    )
    community = staff.community
    compound = CompoundFactory(community=community, name="虹西小区")
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    elder = HouseholdFactory(
        community=community,
        compound=compound,
        building="3",
        room="201",
        passbook_number="HX-00031",
    )
    elder.types.add(alone)
    MemberFactory(household=elder, name="顾阿婆")
    volunteer_home = HouseholdFactory(
        community=community,
        compound=compound,
        building="5",
        room="302",
        passbook_number="HX-00052",
    )
    volunteer = MemberFactory(household=volunteer_home, name="陈志强")
    team = TeamFactory(community=community, name="青年志愿服务队")
    TeamMembershipFactory(team=team, member=volunteer)
    ProjectFactory(community=community, name="微心愿", category__name="邻里互助")
    PointRuleFactory(
        community=community, points_per_session=POINTS, starts_on=datetime.date(2020, 1, 1)
    )
    unit = partners.save_unit(
        community=community,
        by=staff.user,
        fields={"name": "东方医院党总支", "contact": "赵医生", "commitments": "每月义诊一次"},
    )
    partners.add_person(unit=unit, by=staff.user, new_person={"name": "周医生"})
    lonely = HouseholdFactory(
        community=community,
        compound=compound,
        building="3",
        room="202",
        passbook_number="HX-00032",
    )
    lonely.types.add(alone)
    MemberFactory(household=lonely, name="钱老伯")
    pairing = services.pair(
        community=community,
        by=staff.user,
        household=lonely,
        kind="companion",
        started_on=datetime.date(2026, 1, 5),
        member=volunteer,
        note="每周探望一次",
    )
    # Some visits, so the visit pages have something to show.
    VisitFactory(household=volunteer_home, visitors="李梅", findings="家里一切都好")
    token = passbook.issue_tokens(households=[elder, volunteer_home], by=staff.user)
    return {
        "elder": elder,
        "volunteer_home": volunteer_home,
        "team": team,
        "unit": unit,
        "pairing": pairing,
        "elder_link": reverse("points:passbook_open", args=[token[elder.pk]]),
        "volunteer_link": reverse("points:passbook_open", args=[token[volunteer_home.pk]]),
    }


def test_a_wish_from_a_phone_is_dispatched_done_confirmed_and_its_hours_reach_the_passbook(
    live_server, browser, street
):
    base = live_server.url
    phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    desk = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    try:
        # The resident, on the phone: the passbook's wishes card, then the one-box form.
        phone.goto(base + street["elder_link"])
        phone.wait_for_url("**/passbook/")
        shot(phone, "01-passbook-wishes-card")
        phone.click("text=说一个心愿")
        phone.wait_for_url("**/passbook/wishes/new/")
        assert phone.locator("form.wish-form textarea").count() == 1
        assert phone.locator("form.wish-form input:not([type=hidden])").count() == 0
        phone.fill("textarea[name=text]", "家里的灯泡坏了，我够不着，想请人帮忙换一下")
        shot(phone, "02-wish-form")
        with phone.expect_navigation():
            phone.click("form.wish-form button[type=submit]")
        assert phone.url.endswith("/passbook/")
        assert "已收到，等待安排" in phone.locator("#pb-wishes").locator("..").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "03-passbook-wish-received")
        need = Need.objects.get()
        assert (need.household, need.source) == (street["elder"], Need.Source.RESIDENT)

        # Staff, at the desk: the list, the need, dispatch to the team.
        desk.goto(f"{base}/login/?next=/wishes/")
        desk.fill("#id_username", "hx_staff")
        desk.fill("#id_password", PASSWORD)
        desk.click(".login-card button[type=submit]")
        desk.wait_for_url("**/wishes/")
        assert "家里的灯泡坏了" in desk.locator("table").inner_text()
        shot(desk, "04-need-list")
        desk.click("text=家里的灯泡坏了")
        desk.wait_for_url(f"**/wishes/{need.pk}/")
        shot(desk, "05-need-pending")
        dispatch = desk.locator(f"form[action='/wishes/{need.pk}/dispatch/']")
        dispatch.locator("select[name=team]").select_option(str(street["team"].pk))
        with desk.expect_navigation():
            dispatch.locator("button[type=submit]").click()
        assert "已派单给 青年志愿服务队" in desk.locator(".messages").inner_text()
        with desk.expect_navigation():
            desk.locator(f"form[action='/wishes/{need.pk}/take/'] button[type=submit]").click()
        assert "已接单" in desk.locator("h1").inner_text()
        shot(desk, "06-need-taken")

        # Done: what, by whom (the team's member is ticked), how long, under which project.
        done = desk.locator(f"form[action='/wishes/{need.pk}/complete/']")
        done.locator("textarea[name=done_note]").fill("陈志强上门换了灯泡，检查了线路")
        done.locator("input[name=hours]").fill("1.5")
        assert done.locator("input[name=doers]").is_checked()
        done.locator("select[name=project]").select_option(label="微心愿")
        with desk.expect_navigation():
            done.locator("button[type=submit]").click()
        assert "1 人的服务时长已提交审核" in desk.locator(".messages").inner_text()
        follow = desk.locator(f"form[action='/wishes/{need.pk}/follow-up/']")
        follow.locator("input[name=confirmed][value=yes]").check()
        follow.locator("input[name=note]").fill("顾阿婆说灯亮了，很满意")
        shot(desk, "07-need-done")
        with desk.expect_navigation():
            follow.locator("button[type=submit]").click()
        assert "已回访" in desk.locator("h1").inner_text()
        shot(desk, "08-need-followed")
        need.refresh_from_db()
        assert need.state == Need.State.FOLLOWED and need.confirmed is True

        # The resident sees it done.
        phone.reload()
        assert "已办好，已回访" in phone.content()

        # The hours wait in the review queue like any other; approved, they are points.
        attendance = Attendance.objects.get()
        assert (attendance.status, str(attendance.hours)) == ("pending", "1.5")
        desk.click("nav.site-nav >> text=积分审核")
        desk.wait_for_url("**/review/")
        section = desk.locator(f"section[aria-labelledby='activity-{attendance.activity_id}']")
        assert "陈志强" in section.inner_text()
        shot(desk, "09-review-queue")
        with desk.expect_navigation():
            section.locator(f"button[name=activity][value='{attendance.activity_id}']").click()
        attendance.refresh_from_db()
        assert attendance.status == Attendance.Status.APPROVED

        volunteer = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        volunteer.goto(base + street["volunteer_link"])
        volunteer.wait_for_url("**/passbook/")
        assert volunteer.locator("#balance").inner_text() == str(POINTS)
        assert "微心愿" in volunteer.locator(".pb-table").inner_text()
        shot(volunteer, "10-volunteer-passbook-points")
        volunteer.context.close()

        # The other pages of the app, for the record.
        desk.goto(f"{base}/visits/")
        shot(desk, "11-visits")
        desk.goto(f"{base}/visits/overdue/")
        assert "HX-00031" in desk.content()
        shot(desk, "12-visits-overdue")
        desk.goto(f"{base}/visits/new/?household={street['elder'].pk}")
        shot(desk, "13-visit-form")
        desk.goto(f"{base}/households/{street['elder'].pk}/")
        desk.locator("#household-file .needs-timeline").wait_for()
        desk.locator("#household-file").scroll_into_view_if_needed()
        shot(desk, "14-household-file")
        desk.goto(f"{base}/wishes/new/")
        shot(desk, "15-desk-need-form")
        unit = street["unit"]
        desk.goto(f"{base}/partners/")
        shot(desk, "17-partners")
        desk.goto(f"{base}/partners/{unit.pk}/")
        assert "周医生" in desk.content()
        shot(desk, "18-partner-detail")
        desk.goto(f"{base}/partners/{unit.pk}/statement/")
        shot(desk, "19-partner-statement")
        desk.goto(f"{base}/pairings/")
        shot(desk, "20-pairings")
        desk.goto(f"{base}/pairings/{street['pairing'].pk}/")
        shot(desk, "21-pairing-detail")
        desk.goto(f"{base}/pairings/report/")
        assert "HX-00031" in desk.content()  # alone, never paired
        shot(desk, "22-pairing-report")
        desk.goto(f"{base}/service-hours/")
        assert "陈志强" in desk.locator("table").inner_text()
        assert "1.5" in desk.locator("table").inner_text()
        shot(desk, "23-service-hours")
        mobile = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        mobile.goto(f"{base}/login/?next=/visits/new/%3Fhousehold%3D{street['elder'].pk}")
        mobile.fill("#id_username", "hx_staff")
        mobile.fill("#id_password", PASSWORD)
        mobile.click(".login-card button[type=submit]")
        mobile.wait_for_url("**/visits/new/**")
        shot(mobile, "16-visit-form-phone")
        mobile.context.close()
    finally:
        phone.context.close()
        desk.context.close()
