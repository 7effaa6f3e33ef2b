"""The counter page (兑换柜台): the open round with its stock and budget, and the search box that
finds the household by passbook number, scanned link, name, initials or room."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from points.passbook import issue_tokens, revoke_tokens
from redemption.models import Round
from residents.models import Household
from tests.factories import (
    HouseholdFactory,
    MemberFactory,
    UserFactory,
)
from tests.redemption.counter.pages import (
    HOUSEHOLD_PHONE,
    MEMBER_PHONE,
    counter_url,
    household_url,
    redeem,
)
from tests.redemption.factories import RewardFactory, RoundItemFactory, open_round_with

pytestmark = pytest.mark.django_db


def test_the_counter_shows_the_open_round_its_dates_budget_left_and_each_items_stock(
    counter_client, round_, items, funded, clerk
):
    soap, oil = items
    redeem(funded, {soap: 2, oil: 1}, by=clerk)
    response = counter_client.get(counter_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026年第四季度" in body
    assert f"{round_.opens_on.year}年{round_.opens_on.month}月{round_.opens_on.day}日" in body
    assert "¥974.50" in body  # 1000 − 3 × 8.50
    assert f"{soap.reward.name}" in body and "剩 48 瓶" in body and "剩 49 瓶" in body
    assert 'name="q"' in body


def test_the_counter_page_costs_the_same_queries_however_many_items(
    counter_client, community, round_, django_assert_max_num_queries
):
    for _ in range(8):
        RoundItemFactory(round=round_, reward=RewardFactory(community=community, unique=True))
    with django_assert_max_num_queries(5):
        assert counter_client.get(counter_url()).status_code == 200


def test_an_item_with_no_stock_left_is_shown_as_gone(counter_client, round_, items):
    items[0].stock = 0
    items[0].save()
    body = counter_client.get(counter_url()).content.decode()
    assert "已兑完" in body


def test_without_an_open_round_the_counter_says_so_and_links_admins_to_the_rounds(
    admin_client_of_community, counter_client
):
    body = admin_client_of_community.get(counter_url()).content.decode()
    assert "现在没有开放的兑换期" in body
    assert f'href="{reverse("redemption:round_list")}"' in body

    body = counter_client.get(counter_url()).content.decode()
    assert "现在没有开放的兑换期" in body
    assert reverse("redemption:round_list") not in body


def test_a_round_opened_before_its_first_day_is_shown_as_not_yet_redeemable(
    counter_client, community
):
    today = timezone.localdate()
    open_round_with(
        community,
        opens_on=today + datetime.timedelta(days=2),
        closes_on=today + datetime.timedelta(days=9),
    )
    body = counter_client.get(counter_url()).content.decode()
    assert "开始兑换，现在还不能兑换" in body


@pytest.mark.parametrize(
    "query",
    ["SX-00123", "sx-00123", "sx123", "SX123", "123", "00123", "ＳＸ－００１２３", " sx123 "],
)
def test_a_passbook_number_in_any_form_goes_straight_to_the_household(
    counter_client, household, query
):
    HouseholdFactory(community=household.community, passbook_number="SX-01230")
    response = counter_client.get(counter_url(q=query))
    assert response.status_code == 302
    assert response.url == household_url(household)


@pytest.mark.parametrize(
    "link",
    [
        "https://passbook.example.cn/p/{token}/",
        "http://127.0.0.1:8000/p/{token}/",
        "https://passbook.example.cn/p/{token}",
        "https://passbook.example.cn/p/{token}/?from=qr",
        "  {token}  ",
        "{token}",
    ],
)
def test_a_scanned_or_pasted_passbook_link_or_bare_token_finds_the_household(
    counter_client, household, clerk, link
):
    token = issue_tokens(households=[household], by=clerk)[household.pk]
    response = counter_client.get(counter_url(q=link.format(token=token)))
    assert response.status_code == 302
    assert response.url == household_url(household)


def test_looking_up_a_token_at_the_counter_starts_no_resident_session_and_counts_nothing(
    counter_client, household, clerk
):
    from points.models import PassbookAccessFailure

    token = issue_tokens(households=[household], by=clerk)[household.pk]
    counter_client.get(counter_url(q=f"https://x.cn/p/{token}/"))
    counter_client.get(counter_url(q="not-a-real-token-but-long-enough-to-be-one"))
    assert PassbookAccessFailure.objects.count() == 0
    assert counter_client.get(counter_url()).status_code == 200  # still signed in as staff


def test_a_revoked_token_finds_nothing_and_says_the_passbook_may_have_been_reissued(
    counter_client, household, clerk
):
    token = issue_tokens(households=[household], by=clerk)[household.pk]
    revoke_tokens(household=household)
    response = counter_client.get(counter_url(q=f"https://passbook.example.cn/p/{token}/"))
    assert response.status_code == 200
    assert response.context["search"].households == []
    assert "找不到有效的存折" in response.content.decode()


def test_some_other_link_finds_nothing(counter_client, household):
    response = counter_client.get(counter_url(q="https://example.cn/households/1/"))
    assert response.status_code == 200
    assert response.context["search"].households == []


@pytest.mark.parametrize(
    "query", ["郑兴友", "兴友", "zxy", "ZXY", "zhengxingyou", "李秀英", "5-302"]
)
def test_a_name_part_of_one_pinyin_initials_or_an_address_finds_the_household(
    counter_client, household, query
):
    other = HouseholdFactory(community=household.community, building="6", room="101")
    MemberFactory(household=other, name="王建国")
    response = counter_client.get(counter_url(q=query))
    assert response.status_code == 302
    assert response.url == household_url(household)


def test_several_hits_are_listed_with_passbook_number_address_and_masked_head_only(
    counter_client, household, compound
):
    neighbour = HouseholdFactory(
        community=household.community,
        compound=compound,
        passbook_number="SX-00124",
        building="7",
        room="302",
        phone="13700000001",
    )
    MemberFactory(household=neighbour, name="张桂兰", phone="13600000002", is_party_member=True)
    response = counter_client.get(counter_url(q="302"))
    assert response.status_code == 200
    found = response.context["search"].households
    assert [h.passbook_number for h in found] == ["SX-00123", "SX-00124"]
    body = response.content.decode()
    for text in ("SX-00123", "山鑫阳光城一期5号302室", "郑*友", "等 2 人", "张*兰"):
        assert text in body
    for secret in ("郑兴友", "张桂兰", MEMBER_PHONE, HOUSEHOLD_PHONE, "13700000001", "党员", "☭"):
        assert secret not in body
    assert household_url(neighbour) in body


def test_moved_out_households_are_found_after_those_in_residence(
    counter_client, household, compound
):
    gone = HouseholdFactory(
        community=household.community,
        compound=compound,
        passbook_number="SX-00099",
        building="1",
        room="302",
        status=Household.Status.MOVED_OUT,
        moved_out_on=timezone.localdate(),
    )
    response = counter_client.get(counter_url(q="302"))
    assert [h.pk for h in response.context["search"].households] == [household.pk, gone.pk]
    assert "已迁出" in response.content.decode()


def test_nothing_found_says_so(counter_client, household):
    response = counter_client.get(counter_url(q="欧阳娜娜"))
    assert response.status_code == 200
    assert response.context["search"].households == []
    assert "没有找到“欧阳娜娜”" in response.content.decode()


def test_a_long_list_is_cut_and_asks_for_more_detail(counter_client, community, compound):
    for n in range(23):
        HouseholdFactory(community=community, compound=compound, building=str(n + 1), room="101")
    response = counter_client.get(counter_url(q="101"))
    search = response.context["search"]
    assert len(search.households) == 20 and search.more
    assert "请输入得更具体些" in response.content.decode()


@pytest.mark.parametrize("query", ["SX-00123", "123", "郑兴友", "zxy", "5-302"])
def test_another_communitys_staff_never_find_our_households(
    other_staff_client, other_counter_client, household, query
):
    for client in (other_staff_client, other_counter_client):
        response = client.get(counter_url(q=query))
        assert response.status_code == 200
        assert response.context["search"].households == []


def test_another_communitys_staff_cannot_use_our_passbook_link(
    other_counter_client, household, clerk
):
    token = issue_tokens(households=[household], by=clerk)[household.pk]
    response = other_counter_client.get(counter_url(q=f"https://x.cn/p/{token}/"))
    assert response.status_code == 200
    assert response.context["search"].households == []


def test_the_counter_page_takes_get_only(counter_client):
    assert counter_client.post(counter_url()).status_code == 405


def test_the_counter_needs_a_sign_in(client):
    response = client.get(counter_url())
    assert response.status_code == 302 and "/login/" in response.url


def test_staff_of_no_community_are_refused(client):
    client.force_login(UserFactory())
    assert client.get(counter_url()).status_code == 403


def test_a_round_of_the_other_community_is_not_shown_at_our_counter(
    counter_client, other_community
):
    open_round_with(other_community, name="齐河第四季度")
    body = counter_client.get(counter_url()).content.decode()
    assert "齐河第四季度" not in body
    assert "现在没有开放的兑换期" in body
    assert Round.objects.open().count() == 1
