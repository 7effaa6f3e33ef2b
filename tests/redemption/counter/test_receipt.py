"""The receipt: what was taken, the points and the balance after, the clerk; the cancel
form while the round is open and the stamp once cancelled."""

import pytest
from django.utils import timezone

from redemption import services
from tests.redemption.counter.pages import MEMBER_PHONE, _client, cancel_url, receipt_url

pytestmark = pytest.mark.django_db


def test_the_receipt_shows_what_was_taken_points_balance_after_and_the_clerk_but_no_yuan(
    counter_client, redemption, items
):
    response = counter_client.get(receipt_url(redemption))
    assert response.status_code == 200
    body = response.content.decode()
    created = timezone.localtime(redemption.created_at)
    when = f"{created.year}年{created.month}月{created.day}日 {created:%H:%M}"
    for text in (
        "兑换单",
        "山鑫阳光城",
        "2026年第四季度",
        "SX-2026Q4-0001",
        when,
        "SX-00123",
        "山鑫阳光城一期5号302室",
        items[0].reward.name,
        "2 瓶",
        ">20<",
        ">30<",  # total points
        ">70<",  # balance after
        "顾美娟",
        "领取人签字",
        "data-print",
    ):
        assert text in body, text
    for secret in ("8.50", "25.50", "元", "¥", MEMBER_PHONE, "郑兴友"):
        assert secret not in body, secret
    # A clerk may cancel a receipt made today (tests/redemption/counter/test_cancel.py).
    assert response.context["can_cancel"] is True
    assert cancel_url(redemption) in body


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_admins_and_staff_see_the_cancel_form_while_the_round_is_open(community, redemption, role):
    client = _client(community, role)
    body = client.get(receipt_url(redemption)).content.decode()
    assert f'action="{cancel_url(redemption)}"' in body
    assert 'name="reason"' in body


def test_no_cancel_form_once_the_round_is_closed(staff_client, redemption, round_):
    services.close_round(round_=round_, by=staff_client.user)
    response = staff_client.get(receipt_url(redemption))
    assert response.status_code == 200
    assert response.context["can_cancel"] is False
    assert cancel_url(redemption) not in response.content.decode()


def test_a_cancelled_receipt_carries_the_stamp_with_who_when_and_why(
    staff_client, counter_client, redemption
):
    services.cancel(redemption=redemption, reason="拿错了物品", by=staff_client.user)
    body = counter_client.get(receipt_url(redemption)).content.decode()
    assert "receipt__stamp" in body and "已取消" in body
    assert "拿错了物品" in body and "顾美娟" in body
    assert "30 分已退回存折" in body


def test_the_receipt_takes_get_only(counter_client, redemption):
    assert counter_client.post(receipt_url(redemption)).status_code == 405


def test_the_receipt_costs_a_fixed_number_of_queries(
    counter_client, redemption, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        assert counter_client.get(receipt_url(redemption)).status_code == 200
