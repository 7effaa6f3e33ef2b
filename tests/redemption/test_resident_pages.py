"""What residents see of redemption: the round card on their passbook page, the open
round's items (`passbook/rewards/`), their pictures and the household's redemptions."""

from __future__ import annotations

import datetime
import time
import uuid

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points import passbook
from redemption import services
from redemption.models import Redemption, Round
from redemption.passbook import ROUND_PANEL
from residents.models import Household
from tests.factories import HouseholdFactory, UserFactory
from tests.redemption.factories import (
    RewardFactory,
    RoundFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)

pytestmark = pytest.mark.django_db
PAGE = reverse("redemption:resident_rewards")
PASSBOOK = reverse("points:passbook")
# The smallest valid PNG: what the picture view checks is the first bytes.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def clerk():
    return UserFactory()


@pytest.fixture
def household(community):
    household = HouseholdFactory(community=community)
    give_points(household, 100)
    return household


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def resident_client(household) -> Client:
    """A browser that opened the household's passbook QR link."""
    client = Client()
    token = passbook.issue_tokens(households=[household], by=UserFactory())[household.pk]
    assert client.get(reverse("points:passbook_open", args=[token])).status_code == 302
    return client


def redeem(household, quantities: dict, by) -> Redemption:
    return services.redeem(
        community=household.community,
        household=household,
        quantities=quantities,
        submission_key=uuid.uuid4(),
        by=by,
    )


def picture_url(item) -> str:
    return reverse("redemption:resident_reward_picture", args=[item.pk])


def with_picture(item, content: bytes = PNG):
    item.reward.picture.save("picture.png", ContentFile(content), save=True)
    return item


def day(value: datetime.date) -> str:
    return f"{value.month}月{value.day}日"


# Access


def test_without_a_resident_session_the_page_is_the_passbooks_unavailable_page(client):
    response = client.get(PAGE)

    assert response.status_code == 403
    assert "points/resident/unavailable.html" in [t.name for t in response.templates]
    assert "请再扫描一次存折上的二维码" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_a_staff_login_is_not_a_resident_session(staff_client, household):
    open_round_with(household.community, items=1)

    assert staff_client.get(PAGE).status_code == 403


def test_an_expired_resident_session_gets_the_unavailable_page(household, monkeypatch):
    # Opened SESSION_SECONDS and one second ago (the session's signed cookie dates from then).
    issued = int(time.time()) - passbook.SESSION_SECONDS - 1
    with monkeypatch.context() as m:
        m.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued))
        client = resident_client(household)

    assert client.get(PAGE).status_code == 403


def test_a_moved_out_household_no_longer_sees_the_page(household):
    client = resident_client(household)
    Household.objects.filter(pk=household.pk).update(
        status=Household.Status.MOVED_OUT, moved_out_on=timezone.localdate()
    )

    assert client.get(PAGE).status_code == 403
    assert client.get(PASSBOOK).status_code == 403  # the same answer as the passbook


def test_the_resident_pages_answer_only_get(household):
    _round, [item] = open_round_with(household.community, items=1)
    with_picture(item)
    client = resident_client(household)

    assert client.post(PAGE).status_code == 405
    assert client.post(picture_url(item)).status_code == 405


def test_the_page_is_private_and_links_back_to_the_passbook(household):
    response = resident_client(household).get(PAGE)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert f'href="{PASSBOOK}"' in response.content.decode()


# The open round's items


def test_each_item_shows_its_price_stock_limit_and_what_the_balance_covers(
    community, household, clerk
):
    round_, _ = open_round_with(community, items=0, name="2026年第四季度")
    soap = RoundItemFactory(
        round=round_,
        reward=RewardFactory(community=community, name="洗手液", unit="瓶", note="300毫升"),
        point_price=20,
        stock=50,
        per_household_limit=2,
    )
    eggs = RoundItemFactory(
        round=round_,
        reward=RewardFactory(community=community, name="鸡蛋", unit="盒"),
        point_price=30,
        stock=1,
    )
    oil = RoundItemFactory(
        round=round_,
        reward=RewardFactory(community=community, name="食用油", unit="桶"),
        point_price=120,
        stock=10,
    )
    neighbour = HouseholdFactory(community=community)
    give_points(neighbour, 50)
    redeem(neighbour, {eggs.pk: 1}, clerk)  # the last box
    redeem(household, {soap.pk: 1}, clerk)  # 100 - 20 = 80 points left

    response = resident_client(household).get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "2026年第四季度" in body
    assert f"兑换时间：{day(round_.opens_on)}—{day(round_.closes_on)}" in body
    assert 'id="balance">80<' in body
    assert "每瓶 <strong>20</strong> 分" in body and "300毫升" in body
    assert "还剩 49 瓶" in body
    assert "每户限换 2 瓶，您家已换 1 瓶" in body
    assert "已兑完" in body and "还剩 0 盒" not in body
    assert "每桶 <strong>120</strong> 分" in body and "积分还差 40 分" in body
    assert body.count("积分够换") == 1  # soap only: eggs are gone, oil is too dear
    offers = {offer.item.reward.name: offer for offer in response.context["offers"]}
    assert [o.item.pk for o in response.context["offers"]] == [soap.pk, eggs.pk, oil.pk]
    assert offers["洗手液"].left_for_household == 1 and offers["洗手液"].affordable
    assert offers["鸡蛋"].sold_out
    assert not offers["食用油"].affordable and offers["食用油"].shortfall == 40


def test_an_item_the_household_took_up_to_its_limit_says_so(community, household, clerk):
    round_, [item] = open_round_with(community, items=1)
    item.per_household_limit = 1
    item.save()
    redeem(household, {item.pk: 1}, clerk)

    body = resident_client(household).get(PAGE).content.decode()

    assert "您家本期已换满" in body and "积分够换" not in body


def test_with_no_open_round_the_page_says_so_and_names_the_last_settled_round(
    community, household, clerk
):
    round_, [item] = open_round_with(community, items=1, name="2026年第三季度")
    redeem(household, {item.pk: 1}, clerk)
    services.close_round(round_=round_, by=clerk)
    RoundFactory(community=community, name="2027年第一季度")  # a draft is not shown

    response = resident_client(household).get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "现在不是兑换期" in body
    assert "2026年第三季度的兑换已经结束" in body
    assert "2027年第一季度" not in body
    assert response.context["offers"] == []
    assert len(response.context["history"]) == 1  # the history is still there


def test_another_communitys_round_and_items_are_never_shown(community, other_community, household):
    other_round, [other_item] = open_round_with(other_community, items=1, name="齐河兑换期")
    other_item.reward.name = "别处的大米"
    other_item.reward.save()

    client = resident_client(household)
    body = client.get(PAGE).content.decode()
    assert "现在不是兑换期" in body
    assert "齐河兑换期" not in body and "别处的大米" not in body

    open_round_with(community, items=2)
    body = client.get(PAGE).content.decode()
    assert "齐河兑换期" not in body and "别处的大米" not in body


# The household's redemptions


def test_the_history_lists_only_this_households_redemptions_newest_first(
    community, household, clerk
):
    past, [old_item] = open_round_with(community, items=1, name="2026年第三季度")
    first = redeem(household, {old_item.pk: 2}, clerk)
    services.close_round(round_=past, by=clerk)
    current, [item, other_item] = open_round_with(community, items=2, name="2026年第四季度")
    second = redeem(household, {item.pk: 1, other_item.pk: 3}, clerk)
    cancelled = redeem(household, {item.pk: 1}, clerk)
    services.cancel(redemption=cancelled, reason="拿错了", by=clerk)
    neighbour = HouseholdFactory(community=community)
    give_points(neighbour, 30)
    theirs = redeem(neighbour, {item.pk: 1}, clerk)
    Redemption.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=60)
    )

    response = resident_client(household).get(PAGE)

    body = response.content.decode()
    assert [r.pk for r in response.context["history"]] == [cancelled.pk, second.pk, first.pk]
    assert body.index(cancelled.number) < body.index(second.number) < body.index(first.number)
    assert theirs.number not in body
    assert f"{old_item.reward.name} 2{old_item.reward.unit}" in body
    soap, rice = item.reward, other_item.reward
    assert f"{soap.name} 1{soap.unit}、{rice.name} 3{rice.unit}" in body
    assert "用去 <strong>40</strong> 分" in body  # 4 × 10 points
    assert body.count("已取消") == 1 and "10 分已退回存折" in body
    assert "拿错了" not in body  # the counter's note stays with the staff


def test_a_household_that_never_redeemed_is_told_so(community, household):
    open_round_with(community, items=1)

    body = resident_client(household).get(PAGE).content.decode()

    assert "还没有兑换过" in body


# Pictures


def test_the_picture_of_an_item_of_the_open_round_is_served(community, household):
    _round, [item] = open_round_with(community, items=1)
    with_picture(item)
    client = resident_client(household)

    page = client.get(PAGE).content.decode()
    response = client.get(picture_url(item))

    assert f'src="{picture_url(item)}"' in page
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == PNG


def test_an_item_without_a_picture_shows_none_and_its_picture_url_is_404(community, household):
    _round, [item] = open_round_with(community, items=1)
    client = resident_client(household)

    assert "<img" not in client.get(PAGE).content.decode()
    assert client.get(picture_url(item)).status_code == 404


def test_the_picture_url_is_404_for_items_not_in_the_residents_open_round(
    community, other_community, household, clerk
):
    closed, [old_item] = open_round_with(community, items=1)
    services.close_round(round_=closed, by=clerk)
    _open, [current] = open_round_with(community, items=1)
    draft_item = RoundItemFactory(round=RoundFactory(community=community))
    _theirs, [other_item] = open_round_with(other_community, items=1)
    for item in (old_item, current, draft_item, other_item):
        with_picture(item)
    client = resident_client(household)

    assert client.get(picture_url(current)).status_code == 200
    assert client.get(picture_url(old_item)).status_code == 404
    assert client.get(picture_url(draft_item)).status_code == 404
    assert client.get(picture_url(other_item)).status_code == 404
    assert (
        client.get(reverse("redemption:resident_reward_picture", args=[999999])).status_code == 404
    )


def test_a_file_that_is_not_a_picture_is_not_served(community, household):
    _round, [item] = open_round_with(community, items=1)
    with_picture(item, b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script>")

    assert resident_client(household).get(picture_url(item)).status_code == 404


def test_the_picture_needs_a_resident_session(client, staff_client, community):
    _round, [item] = open_round_with(community, items=1)
    with_picture(item)

    assert client.get(picture_url(item)).status_code == 403
    assert staff_client.get(picture_url(item)).status_code == 403


# Queries


def _queries_for_page(household) -> int:
    client = resident_client(household)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200
    return len(captured)


def test_the_page_takes_the_same_queries_for_one_or_many_items_and_redemptions(community, clerk):
    small = HouseholdFactory(community=community)
    give_points(small, 50)
    large = HouseholdFactory(community=community)
    give_points(large, 1000)
    for _ in range(3):  # three settled rounds of the large household's history
        round_, items = open_round_with(community, items=3)
        for item in items:
            with_picture(item)
            redeem(large, {item.pk: 2}, clerk)
        services.close_round(round_=round_, by=clerk)
    _round, items = open_round_with(community, items=8)
    for item in items:
        with_picture(item)
        redeem(large, {item.pk: 1}, clerk)
    redeem(small, {items[0].pk: 1}, clerk)

    assert _queries_for_page(small) == _queries_for_page(large) <= 10


# The card on the passbook page


def _card(household) -> str:
    return ROUND_PANEL.render(household)


@pytest.mark.parametrize(
    ("policy", "cap", "words"),
    [
        (Round.BalancePolicy.CARRY, None, "积分不清零，可以留到下期"),
        (Round.BalancePolicy.CLEAR, None, "本期结账时积分清零，请在{day}前兑换"),
        (
            Round.BalancePolicy.CAP,
            200,
            "本期结账时每户最多保留 200 分，超出的积分清零，请在{day}前兑换",
        ),
    ],
)
def test_the_passbook_card_names_the_open_round_and_what_happens_to_points(
    community, household, policy, cap, words
):
    round_, _ = open_round_with(
        community, items=3, name="2026年第四季度", balance_policy=policy, balance_cap=cap
    )

    response = resident_client(household).get(PASSBOOK)

    body = response.content.decode()
    assert "2026年第四季度正在兑换" in body
    assert f"兑换时间：{day(round_.opens_on)}—{day(round_.closes_on)}" in body
    assert "本期有 3 样物品可以换" in body
    assert words.format(day=day(round_.closes_on)) in body
    assert f'href="{PAGE}"' in body and "看看能换什么" in body


def test_the_card_names_the_last_settled_round_when_none_is_open(community, household, clerk):
    for name in ("2026年第二季度", "2026年第三季度"):
        round_, _ = open_round_with(community, items=1, name=name)
        services.close_round(round_=round_, by=clerk)
    RoundFactory(community=community, name="2026年第四季度")  # still a draft

    card = _card(household)

    assert "2026年第三季度兑换已结束" in card
    assert "2026年第二季度" not in card and "2026年第四季度" not in card
    assert "看看能换什么" not in card


def test_the_card_is_empty_before_the_first_round_and_ignores_other_communities(
    community, other_community, household
):
    open_round_with(other_community, items=1, name="齐河兑换期")
    RoundFactory(community=community)  # a draft

    assert _card(household).strip() == ""
    assert "积分兑换" not in resident_client(household).get(PASSBOOK).content.decode()


def test_the_card_takes_one_query_whatever_the_rounds(
    community, household, clerk, django_assert_num_queries
):
    with django_assert_num_queries(1):
        _card(household)
    for _ in range(3):
        round_, _items = open_round_with(community, items=4)
        services.close_round(round_=round_, by=clerk)
    with django_assert_num_queries(1):
        assert "兑换已结束" in _card(household)
    open_round_with(community, items=4)
    with django_assert_num_queries(1):
        assert "正在兑换" in _card(household)
