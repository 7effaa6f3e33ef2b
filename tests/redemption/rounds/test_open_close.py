"""Opening and closing a round from its page: confirmed by a ticked box, with what closing
does to balances said first; refusals and conflicts shown."""

import datetime

import pytest
from django.utils import timezone

from points.models import Account, LedgerEntry
from redemption import services
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import (
    RoundItemFactory,
    give_points,
    open_round_with,
)
from tests.redemption.rounds.pages import url

pytestmark = pytest.mark.django_db


def test_the_draft_page_asks_for_confirmation_before_opening(admin, draft):
    body = admin.get(url("round_detail", draft)).content.decode()
    assert url("round_open", draft) in body and 'name="confirm"' in body
    assert "本期还没有物品，请先加入物品" in body


def test_admin_opens_a_round_after_ticking_the_box(admin, draft):
    RoundItemFactory(round=draft)

    unticked = admin.post(url("round_open", draft))
    draft.refresh_from_db()
    assert unticked.status_code == 400 and draft.status == "draft"
    assert "请先勾选确认，再开始兑换" in unticked.content.decode()

    response = admin.post(url("round_open", draft), {"confirm": "on"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.opened_by) == ("open", admin.user)


def test_opening_refusals_from_the_service_are_shown(admin, draft, community):
    response = admin.post(url("round_open", draft), {"confirm": "on"})
    assert response.status_code == 400
    assert "请先添加本期可兑换的物品" in response.content.decode()

    RoundItemFactory(round=draft)
    open_round_with(community, name="正在兑换的一期")
    response = admin.post(url("round_open", draft), {"confirm": "on"})
    assert response.status_code == 400
    assert "“正在兑换的一期”正在兑换" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_opening_an_already_open_round_is_a_conflict(admin, running):
    response = admin.post(url("round_open", running), {"confirm": "on"})
    assert response.status_code == 409
    assert "只有准备中的兑换期可以开始兑换" in response.content.decode()


def test_closing_a_carry_over_round_says_points_are_kept(admin, running):
    body = admin.get(url("round_detail", running)).content.decode()
    assert "结账后，每户积分保留，结转下期。" in body
    assert "结账后不能撤销" in body and url("round_close", running) in body


def test_closing_a_clearing_round_says_how_many_households_and_points_go(admin, community):
    round_, _items = open_round_with(community, balance_policy="clear")
    for amount in (30, 50, 0):
        household = HouseholdFactory(community=community)
        if amount:
            give_points(household, amount)
        else:
            Account.objects.create(community=community, household=household)
    give_points(HouseholdFactory(), 99)  # a household of another community

    response = admin.get(url("round_detail", round_))

    assert (response.context["expiry"].households, response.context["expiry"].points) == (2, 80)
    assert "结账后，所有存折积分清零，共 2 户 80 分将清零。" in response.content.decode()


def test_closing_a_capped_round_counts_only_points_over_the_cap(admin, community):
    round_, _items = open_round_with(community, balance_policy="cap", balance_cap=40)
    for amount in (30, 50, 100):
        give_points(HouseholdFactory(community=community), amount)

    body = admin.get(url("round_detail", round_)).content.decode()

    assert "结账后，每户最多保留 40 分，超出部分清零，共 2 户 70 分将清零。" in body


def test_admin_closes_a_round_after_ticking_the_box(admin, community):
    round_, _items = open_round_with(community, balance_policy="clear")
    household = HouseholdFactory(community=community)
    give_points(household, 30)

    unticked = admin.post(url("round_close", round_))
    round_.refresh_from_db()
    assert unticked.status_code == 400 and round_.status == "open"
    assert "请先勾选确认，再结账" in unticked.content.decode()

    response = admin.post(url("round_close", round_), {"confirm": "on"}, follow=True)

    round_.refresh_from_db()
    assert response.redirect_chain[-1][0] == url("round_settlement", round_)
    assert (round_.status, round_.closed_by) == ("closed", admin.user)
    assert (round_.expired_households, round_.expired_points) == (1, 30)
    assert Account.objects.get(household=household).balance == 0
    assert LedgerEntry.objects.filter(kind="expire").count() == 1
    assert "1 户共 30 分已清零" in response.content.decode()


def test_closing_a_closed_round_again_is_a_conflict(admin, running):
    services.close_round(round_=running, by=UserFactory())
    response = admin.post(url("round_close", running), {"confirm": "on"})
    assert response.status_code == 409
    assert "只有正在兑换的兑换期可以结账" in response.content.decode()


def test_only_admins_open_and_close(staff_client, running, draft):
    RoundItemFactory(round=draft)
    assert staff_client.post(url("round_close", running), {"confirm": "on"}).status_code == 403
    assert staff_client.post(url("round_open", draft), {"confirm": "on"}).status_code == 403
    running.refresh_from_db()
    draft.refresh_from_db()
    assert (running.status, draft.status) == ("open", "draft")


def test_open_and_close_accept_only_post(admin, running, draft):
    assert admin.get(url("round_open", draft)).status_code == 405
    assert admin.get(url("round_close", running)).status_code == 405


def test_a_closing_replayed_on_a_past_day_writes_its_expiries_at_that_day_s_closing(community):
    round_, _items = open_round_with(community, balance_policy="clear")
    give_points(HouseholdFactory(community=community), 30)
    day = timezone.localdate() - datetime.timedelta(days=3)

    services.close_round(round_=round_, by=UserFactory(), on=day)

    expiry = LedgerEntry.objects.get(kind="expire")
    round_.refresh_from_db()
    assert expiry.created_at == round_.closed_at
    assert (expiry.posted_on, expiry.occurred_on) == (day, day)
    assert expiry.balance_after == 0
