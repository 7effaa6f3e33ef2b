"""Cancelling a redemption at the counter: the stock, the money and the points go back;
refused with a reason when it may not."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from points.models import LedgerEntry
from redemption import services
from residents.models import StaffMembership
from tests.redemption.counter.pages import (
    _client,
    balance,
    cancel_url,
    receipt_url,
    snapshot,
    texts,
)

pytestmark = pytest.mark.django_db


def test_staff_cancel_a_redemption_stock_budget_and_points_go_back(
    staff_client, redemption, round_, items, funded
):
    response = staff_client.post(cancel_url(redemption), {"reason": "居民拿错了物品"})
    assert response.status_code == 302
    assert response.url == receipt_url(redemption)
    assert texts(response) == ["已取消兑换单 SX-2026Q4-0001，30 分已退回存折，物品已退回库存。"]
    redemption.refresh_from_db()
    assert redemption.is_cancelled
    assert redemption.cancelled_by == staff_client.user
    assert redemption.cancel_reason == "居民拿错了物品"
    reversal = redemption.reversal
    assert (reversal.kind, reversal.amount, reversal.reverses_id) == (
        LedgerEntry.Kind.REVERSE,
        30,
        redemption.entry_id,
    )
    assert balance(funded) == 100
    assert list(round_.items.order_by("pk").values_list("taken", flat=True)) == [0, 0]
    round_.refresh_from_db()
    assert round_.spent_yuan == Decimal("0.00")


def test_an_admin_may_cancel(admin_client_of_community, redemption, funded):
    response = admin_client_of_community.post(cancel_url(redemption), {"reason": "重复兑换"})
    assert response.status_code == 302
    assert balance(funded) == 100


def test_a_counter_clerk_cancels_a_receipt_made_today_with_a_reason(
    counter_client, redemption, round_, funded
):
    """Issue 17, item 11: the clerk undoes a wrong receipt at once, through the same
    service and with the reason on record, as admins do."""
    response = counter_client.post(cancel_url(redemption), {"reason": "拿错了"})
    assert response.status_code == 302
    redemption.refresh_from_db()
    assert redemption.is_cancelled and redemption.cancel_reason == "拿错了"
    assert redemption.cancelled_by == counter_client.user
    assert balance(funded) == 100


def test_a_counter_clerk_needs_a_reason_too(counter_client, redemption, round_, funded):
    before = snapshot(round_, funded)
    response = counter_client.post(cancel_url(redemption), {"reason": " "})
    assert response.status_code == 400
    assert snapshot(round_, funded) == before


def test_a_counter_clerk_cannot_cancel_an_earlier_days_receipt(
    counter_client, funded, round_, items, clerk
):
    soap, _oil = items
    yesterday = timezone.now() - datetime.timedelta(days=1)
    earlier = services.redeem(
        community=funded.community,
        household=funded,
        quantities={soap.pk: 1},
        submission_key=uuid.uuid4(),
        by=clerk,
        at=yesterday,
    )
    before = snapshot(round_, funded)
    page = counter_client.get(receipt_url(earlier))
    assert page.context["can_cancel"] is False
    assert "兑换员只能取消当天的兑换单" in page.content.decode()
    response = counter_client.post(cancel_url(earlier), {"reason": "拿错了"})
    assert response.status_code == 403
    assert snapshot(round_, funded) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(staff_client, redemption, round_, funded, reason):
    before = snapshot(round_, funded)
    response = staff_client.post(cancel_url(redemption), {"reason": reason})
    assert response.status_code == 400
    assert "请写明取消的原因。" in response.content.decode()
    assert snapshot(round_, funded) == before


def test_a_too_long_reason_is_refused(staff_client, redemption, round_, funded):
    before = snapshot(round_, funded)
    response = staff_client.post(cancel_url(redemption), {"reason": "长" * 101})
    assert response.status_code == 400
    assert snapshot(round_, funded) == before


def test_a_redemption_of_a_closed_round_cannot_be_cancelled(
    staff_client, redemption, round_, funded
):
    services.close_round(round_=round_, by=staff_client.user)
    before = snapshot(round_, funded)
    response = staff_client.post(cancel_url(redemption), {"reason": "太晚了"})
    assert response.status_code == 400
    assert "已经结账，不能再取消这一期的兑换。" in response.content.decode()
    assert snapshot(round_, funded) == before


def test_a_redemption_cannot_be_cancelled_twice(staff_client, redemption, round_, funded):
    assert staff_client.post(cancel_url(redemption), {"reason": "第一次"}).status_code == 302
    before = snapshot(round_, funded)
    response = staff_client.post(cancel_url(redemption), {"reason": "第二次"})
    assert response.status_code == 400
    assert "这张兑换单已经取消过了。" in response.content.decode()
    assert snapshot(round_, funded) == before
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSE).count() == 1


def test_cancelling_takes_post_only(staff_client, redemption):
    assert staff_client.get(cancel_url(redemption)).status_code == 405


def test_another_communitys_staff_get_404_for_our_receipts_and_cancelling(
    other_staff_client, other_counter_client, redemption, round_, funded, other_community
):
    other_admin = _client(other_community, StaffMembership.Role.ADMIN)
    before = snapshot(round_, funded)
    for client in (other_staff_client, other_counter_client, other_admin):
        assert client.get(receipt_url(redemption)).status_code == 404
    for client in (other_staff_client, other_admin):
        assert client.post(cancel_url(redemption), {"reason": "越权"}).status_code == 404
    assert snapshot(round_, funded) == before
