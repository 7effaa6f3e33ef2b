"""The households an activity served, in a real browser at the desk: staff find a lonely
elder from the activity page's 服务对象 section, add her, and the elder's 民情档案 shows the
help received.

Screenshots go to screenshots/served/ (ignored by git)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from needs.models import ActivityServed
from residents.models import StaffMembership
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    StaffMembershipFactory,
)
from tests.volunteering.factories import ActivityFactory, AttendanceFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "served"
DESK = {"width": 1280, "height": 800}
PASSWORD = "pass-word-123"  # UserFactory's


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_staff_name_the_elder_an_activity_served_and_her_file_shows_the_help(live_server, browser):
    staff = StaffMembershipFactory(
        community__name="山鑫阳光城居民区",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
        user__first_name="王芳",
    )
    community = staff.community
    compound = CompoundFactory(community=community, name="阳光城一期")
    alone = HouseholdTypeFactory(community=community, name="独居老人")
    elder = HouseholdFactory(
        community=community, compound=compound, building="3", room="201", passbook_number="SX-00031"
    )
    elder.types.add(alone)
    MemberFactory(household=elder, name="顾阿婆")
    neighbour = HouseholdFactory(
        community=community, compound=compound, building="3", room="202", passbook_number="SX-00032"
    )
    MemberFactory(household=neighbour, name="钱老伯")
    volunteer = MemberFactory(
        household=HouseholdFactory(community=community, compound=compound), name="陈志强"
    )
    activity = ActivityFactory(
        project=ProjectFactory(community=community, name="老伙伴探望", category__name="为老服务"),
        title="重阳节上门探望独居老人",
        date=timezone.localdate() - datetime.timedelta(days=3),
        place="阳光城一期",
    )
    AttendanceFactory(activity=activity, member=volunteer)
    ActivityServed.objects.create(
        community=community, activity=activity, household=neighbour, added_by=staff.user
    )
    desk = browser.new_context(viewport=DESK, locale="zh-CN").new_page()
    base = live_server.url
    try:
        desk.goto(f"{base}/login/?next={activity.get_absolute_url()}")
        desk.fill("#id_username", "sx_staff")
        desk.fill("#id_password", PASSWORD)
        desk.click(".login-card button[type=submit]")
        desk.wait_for_url(f"**{activity.get_absolute_url()}")
        section = desk.locator("#served")
        assert "服务对象（1 户）" in section.inner_text()
        section.locator("input[name=q]").fill("sx00031")
        section.locator("button[type=submit]").first.click()
        desk.wait_for_url("**/served/?q=sx00031")
        shot(desk, "01-find")
        desk.locator("form[action$='/served/add/'] button").click()
        desk.wait_for_url(f"**{activity.get_absolute_url()}#served")
        section = desk.locator("#served")
        assert "服务对象（2 户）" in section.inner_text() and "SX-00031" in section.inner_text()
        section.scroll_into_view_if_needed()
        shot(desk, "02-activity-section")
        assert ActivityServed.objects.filter(activity=activity, household=elder).exists()
        desk.goto(f"{base}{elder.get_absolute_url()}")
        desk.locator("#household-file .needs-timeline").wait_for()
        assert "重阳节上门探望独居老人" in desk.locator("#household-file").inner_text()
        desk.locator("#household-file").scroll_into_view_if_needed()
        shot(desk, "03-household-file")
    finally:
        desk.context.close()
