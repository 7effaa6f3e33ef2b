"""Issue 17, item 3: a round is “正在兑换” to residents only on its days. One rule
(`Round.phase`) tells the passbook, the counter and the round pages where a round stands;
before its first day the passbook says from which day and where (the round's note), and
opening a round early asks the admin to confirm what residents will read."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from points import passbook
from redemption.models import Round
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import (
    RoundFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)

pytestmark = pytest.mark.django_db
NOTE = "1月10日、11日上午在社区超市兑换"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def test_a_rounds_phase_follows_its_status_and_its_days():
    round_ = Round(opens_on=days(5), closes_on=days(6), status=Round.Status.DRAFT)
    assert round_.phase == Round.Phase.DRAFT
    round_.status = Round.Status.OPEN
    assert [round_.phase_on(days(n)) for n in (4, 5, 6, 7)] == ["early", "open", "open", "late"]
    round_.status = Round.Status.CLOSED
    assert round_.phase_on(days(5)) == Round.Phase.CLOSED


@pytest.fixture
def household(community):
    return HouseholdFactory(community=community)


def passbook_page(household) -> str:
    client = Client()
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    client.get(reverse("points:passbook_open", args=[token]))
    return client.get(reverse("points:passbook")).content.decode()


def test_before_its_days_the_passbook_says_from_which_day_and_where(community, household):
    round_, _items = open_round_with(
        community, items=2, name="2027年第一季度", opens_on=days(20), closes_on=days(21), note=NOTE
    )
    body = passbook_page(household)

    assert "正在兑换" not in body
    day = f"{round_.opens_on.month}月{round_.opens_on.day}日"
    assert f"2027年第一季度从 {day} 开始兑换" in body
    assert "现在还不能兑换" in body and NOTE in body


def test_on_its_days_the_passbook_says_it_is_redeeming_with_the_note(community, household):
    open_round_with(community, name="2026年第四季度", note=NOTE)
    body = passbook_page(household)

    assert "2026年第四季度正在兑换" in body and NOTE in body


def test_the_counter_and_the_passbook_agree_before_the_first_day(
    community, household, counter_client
):
    open_round_with(community, opens_on=days(20), closes_on=days(21))
    give_points(household, 10)  # the order form, not the plain “积分为 0” state

    counter = counter_client.get(reverse("redemption:counter_household", args=[household.pk]))
    assert "现在还不能兑换" in counter.content.decode()
    assert "现在还不能兑换" in passbook_page(household)


def test_opening_a_round_before_its_first_day_asks_to_confirm_what_residents_will_see(
    community, admin_client_of_community
):
    admin = admin_client_of_community
    early = RoundFactory(
        community=community,
        name="2027年第一季度",
        opens_on=days(20),
        closes_on=days(21),
        note=NOTE,
    )
    RoundItemFactory(round=early)
    page = admin.get(reverse("redemption:round_detail", args=[early.pk])).content.decode()
    assert "还没到开始日期" in page and "居民的存折上会显示" in page and NOTE in page

    refused = admin.post(reverse("redemption:round_open", args=[early.pk]), {"confirm": "on"})
    early.refresh_from_db()
    assert refused.status_code == 400 and early.status == Round.Status.DRAFT
    assert "请先核对居民会看到的提示" in refused.content.decode()

    opened = admin.post(
        reverse("redemption:round_open", args=[early.pk]),
        {"confirm": "on", "confirm_early": "on"},
    )
    early.refresh_from_db()
    assert opened.status_code == 302 and early.status == Round.Status.OPEN
    detail = admin.get(reverse("redemption:round_detail", args=[early.pk])).content.decode()
    assert "已开始，未到兑换日期" in detail  # the phase, not just “open”


def test_a_round_opened_on_its_days_needs_no_second_confirmation(
    community, admin_client_of_community
):
    admin = admin_client_of_community
    due = RoundFactory(community=community)
    RoundItemFactory(round=due)
    page = admin.get(reverse("redemption:round_detail", args=[due.pk])).content.decode()
    assert "confirm_early" not in page

    response = admin.post(reverse("redemption:round_open", args=[due.pk]), {"confirm": "on"})
    assert response.status_code == 302
