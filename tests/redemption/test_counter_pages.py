"""The counter (兑换台): finding the household, redeeming through the page, the receipt
and cancelling — with every refusal shown and nothing changed."""

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from points.models import Account, LedgerEntry
from points.passbook import issue_tokens, revoke_tokens
from redemption import services
from redemption.models import Redemption, RedemptionLine, Round
from residents.models import Household, Member, StaffMembership
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    MemberFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.redemption.factories import RewardFactory, RoundItemFactory, give_points, open_round_with

pytestmark = pytest.mark.django_db

MEMBER_PHONE = "13912345678"
HOUSEHOLD_PHONE = "13787654321"


def _client(community, role: str) -> Client:
    membership = StaffMembershipFactory(community=community, role=role, user__first_name="顾美娟")
    client = Client()
    client.force_login(membership.user)
    client.user = membership.user
    return client


@pytest.fixture
def other_counter_client(other_community) -> Client:
    return _client(other_community, StaffMembership.Role.COUNTER)


@pytest.fixture
def compound(community):
    return CompoundFactory(community=community, name="山鑫阳光城一期")


@pytest.fixture
def household(community, compound):
    household = HouseholdFactory(
        community=community,
        compound=compound,
        passbook_number="SX-00123",
        building="5",
        room="302",
        phone=HOUSEHOLD_PHONE,
    )
    MemberFactory(household=household, name="郑兴友", phone=MEMBER_PHONE, is_party_member=True)
    MemberFactory(household=household, name="李秀英", relation=Member.Relation.SPOUSE, phone="")
    return household


@pytest.fixture
def clerk():
    return UserFactory(username="counter-clerk", first_name="顾美娟")


@pytest.fixture
def round_and_items(community):
    return open_round_with(community, items=2, code="2026Q4", name="2026年第四季度")


@pytest.fixture
def round_(round_and_items):
    return round_and_items[0]


@pytest.fixture
def items(round_and_items):
    return round_and_items[1]


@pytest.fixture
def funded(household):
    give_points(household, 100)
    return household


def counter_url(**query) -> str:
    url = reverse("redemption:counter")
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def household_url(household) -> str:
    return reverse("redemption:counter_household", args=[household.pk])


def receipt_url(redemption) -> str:
    return reverse("redemption:receipt", args=[redemption.pk])


def cancel_url(redemption) -> str:
    return reverse("redemption:cancel", args=[redemption.pk])


def balance(household) -> int:
    account = Account.objects.filter(household=household).first()
    return account.balance if account else 0


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_data(items, quantities: dict | None = None, key=None) -> dict:
    data = {"submission_key": str(key or uuid.uuid4())}
    for item in items:
        data[f"qty_{item.pk}"] = ""
    for item, quantity in (quantities or {}).items():
        data[f"qty_{item.pk}"] = str(quantity)
    return data


def snapshot(round_, household):
    """Everything a refused redemption or cancellation must leave as it was."""
    round_.refresh_from_db()
    return (
        round_.spent_yuan,
        round_.receipt_serial,
        list(round_.items.order_by("pk").values_list("taken", flat=True)),
        balance(household),
        Redemption.objects.count(),
        RedemptionLine.objects.count(),
        LedgerEntry.objects.count(),
        list(Redemption.objects.order_by("pk").values_list("cancelled_at", flat=True)),
    )


def redeem(household, quantities: dict, *, by) -> Redemption:
    return services.redeem(
        community=household.community,
        household=household,
        quantities={item.pk: quantity for item, quantity in quantities.items()},
        submission_key=uuid.uuid4(),
        by=by,
    )


def submission_key_in(body: str) -> str:
    return re.search(r'name="submission_key" value="([0-9a-f-]{36})"', body).group(1)


# The counter page: the open round and the search box


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


# The household at the counter


def test_the_household_page_shows_balance_items_limits_and_what_it_took_masked_and_no_phone(
    counter_client, funded, round_, items, clerk
):
    soap, oil = items
    oil.per_household_limit = 2
    oil.save()
    earlier = redeem(funded, {oil: 1}, by=clerk)
    response = counter_client.get(household_url(funded))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "SX-00123",
        "山鑫阳光城一期5号302室",
        "郑*友",
        "李*英",
        ">90<",  # the balance
        soap.reward.name,
        oil.reward.name,
        "10 分/瓶",
        "每户限 2 瓶",
        "本期已兑 1 瓶",
        "剩 49 瓶",
        earlier.number,
        receipt_url(earlier),
        'name="submission_key"',
        f'name="qty_{soap.pk}"',
    ):
        assert text in body, text
    for secret in ("郑兴友", MEMBER_PHONE, HOUSEHOLD_PHONE, "党员", "☭", "8.50"):
        assert secret not in body, secret
    assert response.context["can_redeem"]


def test_each_showing_of_the_form_gets_a_fresh_submission_key(counter_client, funded, round_):
    first = submission_key_in(counter_client.get(household_url(funded)).content.decode())
    second = submission_key_in(counter_client.get(household_url(funded)).content.decode())
    assert first != second
    uuid.UUID(first)


def test_a_picture_is_shown_only_for_a_reward_that_has_one(
    counter_client, funded, round_, items, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    reward = items[0].reward
    reward.picture = "rewards/2026/11/soap.png"
    reward.save()
    body = counter_client.get(household_url(funded)).content.decode()
    assert body.count('class="counter-item__picture"') == 1
    assert reverse("redemption:reward_picture", args=[reward.pk]) in body


def test_redeeming_takes_the_points_and_stock_and_goes_to_the_receipt(
    counter_client, funded, round_, items
):
    soap, oil = items
    response = counter_client.post(household_url(funded), form_data(items, {soap: 2, oil: 1}))
    redemption = Redemption.objects.get()
    assert response.status_code == 302
    assert response.url == receipt_url(redemption)
    assert texts(response) == [f"兑换成功：兑换单 {redemption.number}，扣 30 分。"]
    assert redemption.number == "SX-2026Q4-0001"
    assert redemption.household == funded and redemption.created_by == counter_client.user
    assert balance(funded) == 70
    soap.refresh_from_db()
    oil.refresh_from_db()
    assert (soap.taken, oil.taken) == (2, 1)
    round_.refresh_from_db()
    assert round_.spent_yuan == Decimal("25.50")
    assert sorted(redemption.lines.values_list("quantity", flat=True)) == [1, 2]


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_admins_and_staff_may_redeem_too(community, funded, round_, items, role):
    client = _client(community, role)
    response = client.post(household_url(funded), form_data(items, {items[0]: 1}))
    assert response.status_code == 302
    assert balance(funded) == 90


def test_the_same_form_submitted_twice_makes_one_redemption_and_one_entry(
    counter_client, funded, round_, items
):
    data = form_data(items, {items[0]: 3})
    first = counter_client.post(household_url(funded), data)
    second = counter_client.post(household_url(funded), data)
    redemption = Redemption.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == receipt_url(redemption)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REDEEM).count() == 1
    assert balance(funded) == 70
    items[0].refresh_from_db()
    assert items[0].taken == 3


class TestRefusalsThroughThePage:
    """Each refusal: status 400, the service's Chinese message, the quantities kept with the
    same submission key, and nothing changed."""

    def refused(self, client, household, round_, data, *, form_shown=True) -> str:
        before = snapshot(round_, household)
        response = client.post(household_url(household), data)
        assert response.status_code == 400
        assert snapshot(round_, household) == before
        body = response.content.decode()
        assert 'role="alert"' in body
        if form_shown:
            assert f'value="{data["submission_key"]}"' in body
        return body

    def test_not_enough_points(self, counter_client, funded, round_, items):
        data = form_data(items, {items[0]: 11})
        body = self.refused(counter_client, funded, round_, data)
        assert "存折 SX-00123 的余额（100 分）不够扣减 110 分。" in body
        assert 'value="11"' in body

    def test_not_enough_stock(self, counter_client, funded, round_, items):
        items[0].stock = 2
        items[0].save()
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 3}))
        assert f"{items[0].reward.name} 库存只剩 2 瓶，不够兑换 3 瓶。" in body

    def test_over_the_households_limit(self, counter_client, funded, round_, items, clerk):
        items[0].per_household_limit = 2
        items[0].save()
        redeem(funded, {items[0]: 1}, by=clerk)
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 2}))
        assert "每户本期限兑 2 瓶，这户已兑 1 瓶，这次最多还能兑 1 瓶。" in body

    def test_over_the_budget(self, counter_client, community, funded):
        round_, items = open_round_with(community, items=1, budget_yuan=Decimal("10.00"))
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 2}))
        assert "本期预算还剩 10.00 元，这次兑换要 17.00 元，超出预算。" in body

    def test_before_the_round_opens(self, counter_client, community, funded):
        today = timezone.localdate()
        round_, items = open_round_with(
            community,
            opens_on=today + datetime.timedelta(days=1),
            closes_on=today + datetime.timedelta(days=9),
        )
        assert counter_client.get(household_url(funded)).context["can_redeem"] is False
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 1}))
        assert "开始兑换，现在还不能兑换。" in body

    def test_no_open_round(self, counter_client, funded, round_, items, admin_client_of_community):
        services.close_round(round_=round_, by=admin_client_of_community.user)
        data = form_data(items, {items[0]: 1})
        body = self.refused(counter_client, funded, round_, data, form_shown=False)
        assert "现在没有开放的兑换期，不能兑换。" in body

    def test_a_moved_out_household(self, counter_client, funded, round_, items):
        funded.status = Household.Status.MOVED_OUT
        funded.moved_out_on = timezone.localdate()
        funded.save()
        page = counter_client.get(household_url(funded))
        assert page.status_code == 200
        assert page.context["can_redeem"] is False
        assert "不能兑换" in page.content.decode()
        assert "<fieldset disabled>" in page.content.decode()
        body = self.refused(counter_client, funded, round_, form_data(items, {items[0]: 1}))
        assert "存折 SX-00123 这户已迁出，不能兑换。" in body

    def test_nothing_chosen(self, counter_client, funded, round_, items):
        body = self.refused(counter_client, funded, round_, form_data(items))
        assert "请至少选择一样物品。" in body

    @pytest.mark.parametrize(
        ("value", "message"),
        [("-1", "数量不能小于 0。"), ("abc", "请填写整数。"), ("100", "一次最多兑换 99 个。")],
    )
    def test_a_bad_quantity(self, counter_client, funded, round_, items, value, message):
        data = form_data(items, {items[1]: 1})
        data[f"qty_{items[0].pk}"] = value
        body = self.refused(counter_client, funded, round_, data)
        assert message in body

    def test_an_item_of_another_round_is_ignored_and_nothing_is_chosen(
        self, counter_client, funded, round_, items
    ):
        stray = RoundItemFactory(round__community=funded.community, round__code="OLD")
        data = form_data(items)
        data[f"qty_{stray.pk}"] = "1"
        body = self.refused(counter_client, funded, round_, data)
        assert "请至少选择一样物品。" in body

    @pytest.mark.parametrize("key", ["", "not-a-uuid"])
    def test_a_missing_or_broken_submission_key(self, counter_client, funded, round_, items, key):
        before = snapshot(round_, funded)
        data = form_data(items, {items[0]: 1})
        data["submission_key"] = key
        response = counter_client.post(household_url(funded), data)
        assert response.status_code == 400
        assert "页面已过期，请刷新后重新填写。" in response.content.decode()
        assert snapshot(round_, funded) == before


def test_the_household_page_without_an_open_round_says_so(counter_client, funded):
    response = counter_client.get(household_url(funded))
    assert response.status_code == 200
    assert "现在没有开放的兑换期" in response.content.decode()
    assert response.context["can_redeem"] is False


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_the_household_page_takes_get_and_post_only(counter_client, funded, method):
    assert getattr(counter_client, method)(household_url(funded)).status_code == 405


def test_another_communitys_household_is_not_found_at_our_counter(
    other_staff_client, other_counter_client, funded, round_, items
):
    for client in (other_staff_client, other_counter_client):
        assert client.get(household_url(funded)).status_code == 404
        data = form_data(items, {items[0]: 1})
        assert client.post(household_url(funded), data).status_code == 404
    assert Redemption.objects.count() == 0
    assert balance(funded) == 100


def test_the_household_page_costs_the_same_queries_however_many_items_and_redemptions(
    counter_client, community, funded, clerk
):
    round_, items = open_round_with(community, items=2)
    give_points(funded, 200)
    redeem(funded, {items[0]: 1}, by=clerk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert counter_client.get(household_url(funded)).status_code == 200
        return len(queries)

    few = count()
    for _ in range(6):
        RoundItemFactory(round=round_, reward=RewardFactory(community=community, unique=True))
    for _ in range(5):
        redeem(funded, {items[0]: 1, items[1]: 1}, by=clerk)
    assert count() == few
    assert few <= 11  # sign-in 3, household, members, round, items, taken, account, 2 history


def test_the_counter_search_costs_the_same_queries_however_many_households_match(
    counter_client, community, compound, round_, django_assert_max_num_queries
):
    def search() -> int:
        with CaptureQueriesContext(connection) as queries:
            counter_client.get(counter_url(q="101"))
        return len(queries)

    for n in range(2):
        household = HouseholdFactory(
            community=community, compound=compound, building=str(n + 1), room="101"
        )
        MemberFactory(household=household)
    few = search()
    for n in range(10):
        household = HouseholdFactory(
            community=community, compound=compound, building=str(n + 10), room="101"
        )
        MemberFactory(household=household)
    assert search() == few
    with django_assert_max_num_queries(7):
        counter_client.get(counter_url(q="101"))


# The receipt


@pytest.fixture
def redemption(funded, round_, items, clerk):
    soap, oil = items
    return redeem(funded, {soap: 2, oil: 1}, by=clerk)


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
    assert response.context["can_cancel"] is False  # a counter clerk cannot cancel
    assert cancel_url(redemption) not in body


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


# Cancelling


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


def test_a_counter_clerk_cannot_cancel(counter_client, redemption, round_, funded):
    before = snapshot(round_, funded)
    response = counter_client.post(cancel_url(redemption), {"reason": "拿错了"})
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


def test_a_round_of_the_other_community_is_not_shown_at_our_counter(
    counter_client, other_community
):
    open_round_with(other_community, name="齐河第四季度")
    body = counter_client.get(counter_url()).content.decode()
    assert "齐河第四季度" not in body
    assert "现在没有开放的兑换期" in body
    assert Round.objects.open().count() == 1
