"""The settlement (结算) of a round: the page with its pick list (配货单), printable, and the
Excel and CSV downloads, all from real redemptions and in a fixed number of queries."""

import csv
import datetime
import io
import uuid
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from redemption import services
from tests.factories import (
    CompoundFactory,
    HouseholdFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.redemption.factories import (
    RewardFactory,
    RoundFactory,
    RoundItemFactory,
    give_points,
    open_round_with,
)

pytestmark = pytest.mark.django_db

PICK_HEADERS = ["兑换单号", "存折编号", "地址", "物品", "单位", "数量", "积分", "金额（元）"]
ITEM_HEADERS = [
    "物品",
    "单位",
    "单价（分）",
    "成本（元）",
    "库存",
    "已兑换",
    "剩余",
    "积分",
    "金额（元）",
]


def url(name, round_):
    return reverse(f"redemption:{name}", args=[round_.pk])


@pytest.fixture
def clerk():
    return UserFactory(username="clerk", first_name="顾美娟")


@pytest.fixture
def compound(community):
    return CompoundFactory(community=community, name="阳光苑")


@pytest.fixture
def shop(community):
    """An open round 2026Q4 (budget 500 yuan) offering soap and oil."""
    round_, _ = open_round_with(
        community, items=0, name="2026年第四季度", code="2026Q4", budget_yuan=Decimal("500.00")
    )
    soap = RoundItemFactory(
        round=round_,
        reward=RewardFactory(community=community, name="洗手液", unit="瓶"),
        point_price=10,
        cost_yuan=Decimal("8.50"),
        stock=40,
    )
    oil = RoundItemFactory(
        round=round_,
        reward=RewardFactory(community=community, name="食用油", unit="桶"),
        point_price=60,
        cost_yuan=Decimal("45.80"),
        stock=10,
    )
    return round_, soap, oil


def household(community, compound, building, room, *, points=200, phone="13912345678"):
    home = HouseholdFactory(
        community=community, compound=compound, building=building, room=room, phone=phone
    )
    give_points(home, points)
    return home


def redeem(round_, home, quantities, by):
    return services.redeem(
        community=round_.community,
        household=home,
        quantities=quantities,
        submission_key=uuid.uuid4(),
        by=by,
    )


@pytest.fixture
def redeemed(community, compound, shop, clerk):
    """Three households: 10-1201 twice (soap, then soap and oil), 2-302 once, and one
    cancelled redemption by 5-101."""
    round_, soap, oil = shop
    far = household(community, compound, "10", "1201")
    near = household(community, compound, "2", "302")
    gone = household(community, compound, "5", "101")
    first = redeem(round_, far, {soap.pk: 2}, clerk)
    second = redeem(round_, far, {soap.pk: 1, oil.pk: 1}, clerk)
    third = redeem(round_, near, {oil.pk: 2}, clerk)
    cancelled = redeem(round_, gone, {soap.pk: 5}, clerk)
    services.cancel(redemption=cancelled, reason="拿错了", by=clerk)
    round_.refresh_from_db()
    return round_, {"far": far, "near": near, "gone": gone}, (first, second, third)


# The page --------------------------------------------------------------------------------


def test_the_settlement_shows_the_figures_items_and_pick_list(staff_client, redeemed):
    round_, homes, (first, second, third) = redeemed

    response = staff_client.get(url("round_settlement", round_))

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.households, report.redemptions, report.cancelled) == (2, 3, 1)
    assert report.points == 3 * 10 + 3 * 60  # 3 soap, 3 oil
    assert report.yuan == Decimal("162.90")  # 3 × 8.50 + 3 × 45.80
    assert [(s.item.reward.name, s.quantity, s.remaining) for s in report.items] == [
        ("洗手液", 3, 37),
        ("食用油", 3, 7),
    ]
    groups = response.context["groups"]
    # Address order: building 2 before building 10; the cancelled one is left out.
    assert [g.passbook_number for g in groups] == [
        homes["near"].passbook_number,
        homes["far"].passbook_number,
    ]
    far = groups[1]
    assert far.numbers == [first.number, second.number]
    assert [(line.item, line.quantity) for line in far.lines] == [("洗手液", 3), ("食用油", 1)]
    body = response.content.decode()
    assert "¥162.90" in body and "预算 ¥500.00（33%）" in body
    assert "阳光苑10号1201室" in body and "洗手液 × 3 瓶" in body
    assert "兑换情况" in body  # still open: a running report
    assert "13912345678" not in body and "139****5678" not in body  # no phone numbers


def test_a_closed_round_shows_what_its_policy_cleared(
    admin_client_of_community, community, shop, compound
):
    round_, soap, _oil = shop
    round_.balance_policy = "cap"
    round_.balance_cap = 50
    round_.save()
    household(community, compound, "3", "101", points=80)
    services.close_round(round_=round_, by=UserFactory())

    body = admin_client_of_community.get(url("round_settlement", round_)).content.decode()

    assert "兑换结算" in body and "结账时每户保留 50 分，超出部分清零" in body
    assert "1 户共 30 分已清零" in body


def test_the_page_links_the_downloads_and_prints_with_its_own_stylesheet(staff_client, shop):
    round_ = shop[0]
    body = staff_client.get(url("round_settlement", round_)).content.decode()
    assert url("round_settlement_xlsx", round_) in body
    assert url("round_settlement_csv", round_) + "?part=items" in body
    assert "css/redemption.css" in body and "data-print" in body


def test_the_page_and_downloads_take_the_same_queries_for_3_or_30_redemptions(
    staff_client, community, compound, clerk
):
    round_, (soap, oil) = open_round_with(community, items=2, budget_yuan=Decimal("10000"))
    pages = [
        url("round_settlement", round_),
        url("round_settlement_xlsx", round_),
        url("round_settlement_csv", round_),
        url("round_settlement_csv", round_) + "?part=items",
    ]

    def counts() -> list[int]:
        result = []
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(page).status_code == 200
            result.append(len(queries))
        return result

    def add(n, start):
        for number in range(start, start + n):
            home = household(community, compound, str(number), "101")
            redeem(round_, home, {soap.pk: 1, oil.pk: 1} if number % 2 else {soap.pk: 1}, clerk)

    add(3, 1)
    few = counts()
    add(27, 4)
    many = counts()

    assert many == few
    assert max(many) <= 9


def test_staff_read_it_but_the_counter_role_does_not(counter_client, shop):
    round_ = shop[0]
    for name in ("round_settlement", "round_settlement_xlsx", "round_settlement_csv"):
        assert counter_client.get(url(name, round_)).status_code == 403


def test_the_settlement_urls_accept_only_get(staff_client, shop):
    round_ = shop[0]
    for name in ("round_settlement", "round_settlement_xlsx", "round_settlement_csv"):
        assert staff_client.post(url(name, round_)).status_code == 405


@pytest.mark.parametrize(
    "name", ["round_settlement", "round_settlement_xlsx", "round_settlement_csv"]
)
def test_another_communitys_settlement_is_not_found(other_community, shop, name):
    client = Client()
    client.force_login(StaffMembershipFactory(community=other_community, role="admin").user)
    assert client.get(url(name, shop[0])).status_code == 404


def test_a_draft_round_has_an_empty_settlement(staff_client, community):
    draft = RoundFactory(community=community)
    response = staff_client.get(url("round_settlement", draft))
    assert response.status_code == 200
    assert "这一期还没有开始兑换" in response.content.decode()


# Excel -----------------------------------------------------------------------------------


def test_the_workbook_has_a_summary_items_and_the_pick_list_as_numbers(staff_client, redeemed):
    round_, homes, (first, second, third) = redeemed

    response = staff_client.get(url("round_settlement_xlsx", round_))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="settlement-2026Q4.xlsx"; '
        f"filename*=UTF-8''{quote('2026年第四季度兑换结算.xlsx')}"
    )
    assert "no-store" in response["Cache-Control"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "物品", "配货单"]

    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["兑换期"] == "2026年第四季度" and summary["编号"] == "2026Q4"
    assert summary["兑换户数"] == 2 and summary["兑换单数"] == 3
    assert summary["已取消的兑换单"] == 1 and summary["兑换积分"] == 210
    assert summary["预算（元）"] == 500 and summary["已用（元）"] == pytest.approx(162.90)
    assert summary["预算剩余（元）"] == pytest.approx(337.10)
    assert isinstance(summary["开始日期"], datetime.datetime)
    assert book["汇总"]["A1"].value == "山鑫阳光城 2026年第四季度兑换结算"

    items = book["物品"]
    rows = list(items.iter_rows(values_only=True))
    assert list(rows[0]) == ITEM_HEADERS
    assert rows[1] == ("洗手液", "瓶", 10, 8.5, 40, 3, 37, 30, 25.5)
    assert rows[2] == ("食用油", "桶", 60, 45.8, 10, 3, 7, 180, pytest.approx(137.4))
    assert rows[3][0] == "合计" and rows[3][5:] == (3 + 3, None, 210, pytest.approx(162.9))
    assert items["D2"].number_format == "0.00" and items["I4"].number_format == "0.00"
    assert items.column_dimensions["A"].width == 18
    assert items.freeze_panes == "A2"

    picks = list(book["配货单"].iter_rows(values_only=True))
    assert list(picks[0]) == PICK_HEADERS
    assert picks[1] == (
        third.number,
        homes["near"].passbook_number,
        "阳光苑2号302室",
        "食用油",
        "桶",
        2,
        120,
        pytest.approx(91.6),
    )
    assert [row[0] for row in picks[1:]] == [
        third.number,
        first.number,
        second.number,
        second.number,
    ]
    assert all(isinstance(row[5], int) and isinstance(row[7], int | float) for row in picks[1:])
    assert book["配货单"]["H2"].number_format == "0.00"
    assert book["配货单"].column_dimensions["C"].width == 28


def test_text_that_looks_like_a_formula_stays_text(staff_client, community, compound, clerk):
    round_, _ = open_round_with(community, items=0)
    item = RoundItemFactory(round=round_, reward=RewardFactory(community=community, name="=1+2"))
    redeem(round_, household(community, compound, "1", "101"), {item.pk: 1}, clerk)

    book = openpyxl.load_workbook(
        io.BytesIO(staff_client.get(url("round_settlement_xlsx", round_)).content)
    )
    lines = csv.reader(
        io.StringIO(
            staff_client.get(url("round_settlement_csv", round_)).content.decode("utf-8-sig")
        )
    )

    assert book["物品"]["A2"].value == "=1+2" and book["物品"]["A2"].data_type == "s"
    assert list(lines)[1][3] == "'=1+2"


# CSV -------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_is_the_pick_list_one_row_per_line(staff_client, redeemed):
    round_, homes, (first, second, third) = redeemed

    response = staff_client.get(url("round_settlement_csv", round_))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="settlement-2026Q4.csv"; '
        f"filename*=UTF-8''{quote('2026年第四季度配货单.csv')}"
    )
    rows = read_csv(response)
    assert rows[0] == PICK_HEADERS
    far = homes["far"].passbook_number
    assert rows[1:] == [
        [
            third.number,
            homes["near"].passbook_number,
            "阳光苑2号302室",
            "食用油",
            "桶",
            "2",
            "120",
            "91.60",
        ],
        [first.number, far, "阳光苑10号1201室", "洗手液", "瓶", "2", "20", "17.00"],
        [second.number, far, "阳光苑10号1201室", "洗手液", "瓶", "1", "10", "8.50"],
        [second.number, far, "阳光苑10号1201室", "食用油", "桶", "1", "60", "45.80"],
    ]
    assert sum(Decimal(row[7]) for row in rows[1:]) == Decimal("162.90")
    assert "13912345678" not in response.content.decode("utf-8-sig")


def test_the_items_csv_sums_each_item(staff_client, redeemed):
    round_ = redeemed[0]

    response = staff_client.get(url("round_settlement_csv", round_) + "?part=items")

    assert response.status_code == 200
    assert "settlement-2026Q4-items.csv" in response["Content-Disposition"]
    assert quote("2026年第四季度物品汇总.csv") in response["Content-Disposition"]
    assert read_csv(response) == [
        ITEM_HEADERS,
        ["洗手液", "瓶", "10", "8.50", "40", "3", "37", "30", "25.50"],
        ["食用油", "桶", "60", "45.80", "10", "3", "7", "180", "137.40"],
        ["合计", "", "", "", "", "6", "", "210", "162.90"],
    ]


def test_an_unknown_part_is_a_bad_request(staff_client, shop):
    response = staff_client.get(url("round_settlement_csv", shop[0]) + "?part=phones")
    assert response.status_code == 400
