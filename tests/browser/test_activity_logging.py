import pytest

from residents.models import StaffMembership
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    ProjectFactory,
    StaffMembershipFactory,
    TeamFactory,
    TeamMembershipFactory,
)
from volunteering.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_an_activity_with_people_found_by_pinyin_room_and_team(
    live_server, browser, screenshot
):
    membership = StaffMembershipFactory(
        community__name="山鑫阳光城",
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
    )
    community = membership.community
    compound = CompoundFactory(community=community, name="山鑫阳光城一期")
    ProjectFactory(community=community, name="安全巡逻", category__name="平安守护")

    def resident(name, building, room):
        household = HouseholdFactory(
            community=community, compound=compound, building=building, room=room
        )
        return MemberFactory(household=household, name=name)

    zheng = resident("郑兴友", "5", "302")
    li = resident("李秀英", "7", "101")
    team = TeamFactory(community=community, name="巡逻队")
    patrol = [
        resident(name, "9", f"{n}01") for n, name in enumerate(["王建国", "张桂兰", "陈志强"], 1)
    ]
    for member in patrol:
        TeamMembershipFactory(team=team, member=member)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/login/?next=/activities/new/")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/activities/new/")

    page.select_option("#id_project", label="平安守护 · 安全巡逻")
    page.fill("#id_title", "周三夜间安全巡逻")
    page.fill("#id_start_time", "19:00")
    page.fill("#id_end_time", "21:00")

    page.fill("#people-q", "zxy")  # pinyin initials, results as you type
    page.wait_for_selector(f"[data-add-member='{zheng.pk}']:visible")
    page.click(f"[data-add-member='{zheng.pk}']")
    page.fill("#people-q", "7-101")  # building-room
    page.wait_for_selector(f"[data-add-member='{li.pk}']:visible")
    page.click(f"[data-add-member='{li.pk}']")
    page.select_option("#people-group", value=f"team:{team.pk}")
    page.click("[data-add-group]")
    page.wait_for_selector(f"tr[data-member-id='{patrol[2].pk}']")
    assert page.locator("#participant-count").inner_text() == "5"
    page.uncheck(f"input[name='present-{patrol[1].pk}']")  # absent today
    assert page.locator("#participant-count").inner_text() == "4"
    screenshot(page, "06-activity-log")

    page.click("[data-save]")
    page.wait_for_url("**/activities/*/")
    assert "4 人参与" in page.locator(".messages").inner_text()
    activity = Activity.objects.get()
    assert set(activity.attendances.values_list("member__name", flat=True)) == {
        "郑兴友",
        "李秀英",
        "王建国",
        "陈志强",
    }
    screenshot(page, "07-activity-detail")

    page.click("nav.site-nav >> text=活动记录")
    page.wait_for_url("**/activities/")
    assert "周三夜间安全巡逻" in page.locator("table").inner_text()
    screenshot(page, "08-activity-list")
    page.close()


def test_enter_adds_the_one_match_while_its_search_is_in_flight_and_a_group_lists_unticked(
    live_server, browser, screenshot
):
    """Issue 17, item 7: a name typed fast and Enter at once (the search not even sent yet)
    adds the person; a building group added "unticked" lists everyone to tick who came; the
    list unticks and ticks at once."""
    membership = StaffMembershipFactory(
        community__slug="shanxin",
        community__passbook_prefix="SX",
        role=StaffMembership.Role.STAFF,
        user__username="sx_staff",
    )
    community = membership.community
    compound = CompoundFactory(community=community, name="山鑫阳光城二期")
    ProjectFactory(community=community, name="楼道清洁", category__name="环境卫生")
    group = BuildingGroupFactory(community=community, compound=compound, name="8号楼组")
    zheng = MemberFactory(
        household=HouseholdFactory(community=community, compound=compound, building="5"),
        name="郑兴友",
    )
    neighbours = [
        MemberFactory(
            household=HouseholdFactory(
                community=community, compound=compound, building_group=group, building="15"
            ),
            name=name,
        )
        for name in ["王建国", "张桂兰", "陈志强", "刘素珍"]
    ]

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{live_server.url}/login/?next=/activities/new/")
    page.fill("#id_username", "sx_staff")
    page.fill("#id_password", "pass-word-123")
    page.click(".login-card button[type=submit]")
    page.wait_for_url("**/activities/new/")

    page.fill("#people-q", "郑兴友")
    page.press("#people-q", "Enter")  # before the typing pause would have searched
    page.wait_for_selector(f"tr[data-member-id='{zheng.pk}']")
    assert page.locator("#participant-count").inner_text() == "1"

    option = page.locator(f"#people-group option[value='bg:{group.pk}']").inner_text()
    assert option == "8号楼组 · 山鑫阳光城二期 · 15号楼 · 4 人，成人 4"
    page.select_option("#people-group", value=f"bg:{group.pk}")
    page.check("#group-unticked")
    page.click("[data-add-group]")
    page.wait_for_selector(f"tr[data-member-id='{neighbours[3].pk}']")
    assert page.locator("#participant-listed").inner_text() == "5"
    assert page.locator("#participant-count").inner_text() == "1"
    page.check(f"input[name='present-{neighbours[1].pk}']")
    assert page.locator("#participant-count").inner_text() == "2"
    screenshot(page, "p17-activity-group-unticked")

    page.click("[data-tick-all='1']")
    assert page.locator("#participant-count").inner_text() == "5"
    page.click("[data-tick-all='']")
    assert page.locator("#participant-count").inner_text() == "0"
    assert page.locator("tr.participant--absent").count() == 5
    page.close()
