"""A new round: the next quarter suggested with its budget, then created as a draft by an
admin — bad input refused with a message and nothing saved."""

from decimal import Decimal

import pytest

from redemption.forms.rounds import RoundForm, suggested_round
from redemption.models import Round
from tests.redemption.factories import (
    RoundFactory,
)
from tests.redemption.rounds.pages import CREATE, D, round_data, url

pytestmark = pytest.mark.django_db


def test_the_first_round_suggested_is_this_quarter(community):
    initial = suggested_round(community, today=D(2026, 11, 21))
    assert initial == {
        "name": "2026年第四季度",
        "code": "2026Q4",
        "opens_on": D(2026, 10, 1),
        "closes_on": D(2026, 12, 31),
        "balance_policy": "carry",
    }


def test_after_a_round_the_next_quarter_is_suggested_with_its_budget(community):
    RoundFactory(
        community=community,
        code="2026Q4",
        opens_on=D(2026, 10, 1),
        closes_on=D(2026, 12, 31),
        budget_yuan=Decimal("2500.00"),
    )

    initial = suggested_round(community, today=D(2026, 11, 21))

    assert (initial["name"], initial["code"]) == ("2027年第一季度", "2027Q1")
    assert (initial["opens_on"], initial["closes_on"]) == (D(2027, 1, 1), D(2027, 3, 31))
    assert initial["budget_yuan"] == Decimal("2500.00")


def test_a_half_year_round_is_followed_by_the_quarter_after_it(community):
    RoundFactory(
        community=community, code="2026H1", opens_on=D(2026, 1, 1), closes_on=D(2026, 6, 30)
    )
    initial = suggested_round(community, today=D(2026, 5, 2))
    assert (initial["code"], initial["opens_on"], initial["closes_on"]) == (
        "2026Q3",
        D(2026, 7, 1),
        D(2026, 9, 30),
    )


def test_a_code_already_used_is_not_suggested_again(community):
    RoundFactory(
        community=community, code="2026q4", opens_on=D(2026, 1, 1), closes_on=D(2026, 1, 2)
    )
    assert suggested_round(community, today=D(2026, 11, 21))["code"] == "2027Q1"


def test_the_new_round_page_fills_in_the_suggestion(admin, community):
    response = admin.get(CREATE)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == suggested_round(community)
    body = response.content.decode()
    assert "积分不清零" in body and "（默认）" in body
    assert 'value="carry"' in body and "checked" in body


def test_admin_creates_a_draft_round(admin, community):
    response = admin.post(CREATE, round_data(code=" 2026q4 ", note=" 周六上午兑换 "))

    round_ = Round.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("round_detail", round_)
    assert (round_.community, round_.created_by, round_.status) == (community, admin.user, "draft")
    assert (round_.name, round_.code, round_.note) == ("2026年第四季度", "2026Q4", "周六上午兑换")
    assert (round_.opens_on, round_.closes_on) == (D(2026, 10, 1), D(2026, 12, 31))
    assert (round_.budget_yuan, round_.spent_yuan) == (Decimal("3000.00"), Decimal(0))
    assert (round_.balance_policy, round_.balance_cap) == ("carry", None)


def test_a_cap_policy_keeps_its_cap_and_other_policies_drop_one(admin):
    admin.post(CREATE, round_data(balance_policy="cap", balance_cap="200"))
    admin.post(CREATE, round_data(code="2027Q1", balance_policy="clear", balance_cap="200"))

    capped, cleared = Round.objects.order_by("pk")
    assert (capped.balance_policy, capped.balance_cap) == ("cap", 200)
    assert (cleared.balance_policy, cleared.balance_cap) == ("clear", None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": " "}, "请填写名称"),
        ({"closes_on": "2026-09-30"}, "截止日期不能早于开始日期"),
        ({"opens_on": "2026-13-01"}, "日期格式应为"),
        ({"code": "2026 Q4!"}, "编号只能用字母、数字和短横线"),
        ({"code": "2026-Q4-SPRING"}, "编号只能用字母、数字和短横线"),
        ({"code": "第四季度"}, "编号只能用字母、数字和短横线"),
        ({"code": ""}, "请填写编号"),
        ({"budget_yuan": "-1"}, "预算不能小于 0 元"),
        ({"budget_yuan": "12.345"}, "预算最多填到分"),
        ({"budget_yuan": ""}, "请填写本期预算"),
        ({"balance_policy": "cap", "balance_cap": ""}, "请填写每户最多保留多少分"),
        ({"balance_policy": "cap", "balance_cap": "0"}, "保留上限至少为 1 分"),
        ({"balance_policy": "burn"}, "请选择结账时积分怎么办"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(admin, overrides, message):
    response = admin.post(CREATE, round_data(**overrides))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Round.objects.exists()


def test_a_code_taken_in_the_community_is_refused_whatever_its_case(
    admin, community, other_community
):
    RoundFactory(community=community, code="2026Q4")
    RoundFactory(community=other_community, code="2027Q1")

    response = admin.post(CREATE, round_data(code="2026q4"))

    assert response.status_code == 400
    assert "已有编号为 2026Q4 的兑换期" in response.content.decode()
    assert admin.post(CREATE, round_data(code="2027Q1")).status_code == 302  # other community's


def test_a_code_taken_at_the_same_moment_gets_the_same_message(admin, community, monkeypatch):
    RoundFactory(community=community, code="2026Q4")
    monkeypatch.setattr(RoundForm, "clean_code", lambda form: form.cleaned_data["code"])

    response = admin.post(CREATE, round_data(code="2026Q4"))

    assert response.status_code == 400
    assert "已有编号为 2026Q4 的兑换期" in response.content.decode()
    assert Round.objects.count() == 1


def test_only_admins_create_rounds(staff_client, counter_client):
    for client in (staff_client, counter_client):
        assert client.get(CREATE).status_code == 403
        assert client.post(CREATE, round_data()).status_code == 403
    assert not Round.objects.exists()


def test_create_refuses_other_methods(admin):
    assert admin.put(CREATE).status_code == 405
