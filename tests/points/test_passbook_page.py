"""The resident's page reads everything in two statements (points/passbook_page.py) and
shows what the ORM selector (points.selectors.passbook_view) computes."""

import pytest
from django.utils import timezone

from points import services
from points.passbook_page import passbook_page
from points.selectors import mask_name, passbook_view, quarter_of
from residents.models import Household
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.points.factories import PointRuleFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(community):
    household = HouseholdFactory(community=community)
    first = MemberFactory(household=household, name="郑兴友", position=2)
    second = MemberFactory(household=household, name="王芳", position=1)
    MemberFactory(household=household, name="李已迁", is_active=False)
    PointRuleFactory(community=community)
    clerk = UserFactory()
    activity = ActivityFactory(project__community=community, date=timezone.localdate())
    attendances = [AttendanceFactory(activity=activity, member=m) for m in (first, second)]
    services.approve(community=community, attendance_ids=[a.pk for a in attendances], by=clerk)
    services.adjust(household=household, amount=4, reason="纸质存折转入", by=clerk)
    return household


def test_the_two_reads_show_what_the_selector_shows(household, django_assert_num_queries):
    period = quarter_of(timezone.localdate())
    with django_assert_num_queries(2):
        view, members, _reads = passbook_page(household_id=household.pk, period=period)
    expected = passbook_view(household=household, period=period)
    assert view.balance == expected.balance > 4
    assert (view.quarter_points, view.year_points) == (
        expected.quarter_points,
        expected.year_points,
    )
    assert view.member_points == expected.member_points and len(view.member_points) == 2
    assert [e.pk for e in view.entries] == [e.pk for e in expected.entries]
    assert [
        (e.member and e.member.name, e.activity and e.activity.title) for e in view.entries
    ] == [(e.member and e.member.name, e.activity and e.activity.title) for e in expected.entries]
    assert view.household.community.name == household.community.name
    assert view.household.short_address == household.short_address
    assert members == [mask_name("王芳"), mask_name("郑兴友")]  # in residence, by position


def test_a_household_no_longer_in_residence_has_no_page(household):
    Household.objects.filter(pk=household.pk).update(
        status=Household.Status.MOVED_OUT, moved_out_on=timezone.localdate()
    )
    assert passbook_page(household_id=household.pk, period=quarter_of(timezone.localdate())) is None


def test_the_page_shows_a_new_entry_and_a_new_member_at_once(client, household):
    from django.urls import reverse

    from points import passbook

    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    client.get(reverse("points:passbook_open", args=[token]))
    page = reverse("points:passbook")
    balance = client.get(page).context["view"].balance
    services.adjust(household=household, amount=3, reason="补记<b>一次</b>", by=UserFactory())
    MemberFactory(household=household, name="赵新来")
    body = client.get(page).content.decode()
    assert f'id="balance">{balance + 3}<' in body
    assert "调整：补记&lt;b&gt;一次&lt;/b&gt;" in body and mask_name("赵新来") in body
    today = timezone.localdate()
    assert (
        f'<td class="date"><time datetime="{today.isoformat()}">{today.month}月{today.day}日'
        "</time></td>" in body
    )
    assert (
        '<td class="num in">+3</td>\n<td class="num out"></td>\n'
        f'<td class="num bal"><span class="pb-bal-label">余额 </span>{balance + 3}<' in body
    )
    # The earned entries name their activity, its own date and the member (masked).
    assert (
        f'<span class="pb-small">活动日期 {today.month}月{today.day}日 · {mask_name("郑兴友")}'
        "</span>" in body
    )
