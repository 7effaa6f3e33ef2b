"""Editing a round: a draft entirely, an open round only its closing day, budget and note,
a closed round not at all."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from redemption import services
from redemption.forms.rounds import RoundForm
from redemption.models import Round
from tests.factories import UserFactory
from tests.redemption.factories import (
    RoundFactory,
    RoundItemFactory,
)
from tests.redemption.rounds.pages import D, round_data, today, url

pytestmark = pytest.mark.django_db


def test_a_draft_round_is_fully_editable(admin, draft):
    page = admin.get(url("round_edit", draft))
    assert page.status_code == 200 and 'name="code"' in page.content.decode()

    response = admin.post(
        url("round_edit", draft),
        round_data(
            name="2026年下半年",
            code="2026H2",
            opens_on="2026-07-01",
            balance_policy="cap",
            balance_cap="150",
            budget_yuan="5000.50",
        ),
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.code, draft.opens_on) == ("2026年下半年", "2026H2", D(2026, 7, 1))
    assert (draft.balance_policy, draft.balance_cap) == ("cap", 150)
    assert draft.budget_yuan == Decimal("5000.50")


def test_a_draft_keeps_its_own_code(admin, draft):
    response = admin.post(url("round_edit", draft), round_data(code="2027Q1", name="改名"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.name == "改名"


def test_an_edit_with_bad_input_changes_nothing(admin, draft, community):
    RoundFactory(community=community, code="2027Q2")
    before = Round.objects.values().get(pk=draft.pk)

    bad_dates = admin.post(url("round_edit", draft), round_data(closes_on="2026-01-01"))
    taken = admin.post(url("round_edit", draft), round_data(code="2027Q2"))

    assert bad_dates.status_code == taken.status_code == 400
    assert "已有编号为 2027Q2 的兑换期" in taken.content.decode()
    assert Round.objects.values().get(pk=draft.pk) == before


def test_an_open_round_only_changes_its_closing_day_budget_and_note(admin, running):
    page = admin.get(url("round_edit", running)).content.decode()
    assert "兑换已经开始" in page and 'name="code"' not in page

    new_end = today() + datetime.timedelta(days=30)
    response = admin.post(
        url("round_edit", running),
        round_data(
            name="偷偷改名",
            code="HACK",
            opens_on="2020-01-01",
            closes_on=new_end.isoformat(),
            budget_yuan="8.50",  # exactly what was spent
            balance_policy="clear",
            note="延长一个月",
        ),
    )

    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.closes_on, running.budget_yuan, running.note) == (
        new_end,
        Decimal("8.50"),
        "延长一个月",
    )
    assert (running.name, running.code, running.balance_policy) == (
        "2026年第四季度",
        "2026Q4",
        "carry",
    )
    assert running.opens_on != D(2020, 1, 1)


def test_an_open_round_may_end_today_but_not_before(admin, running):
    ends_today = admin.post(
        url("round_edit", running), round_data(closes_on=today().isoformat(), budget_yuan="100")
    )
    assert ends_today.status_code == 302

    yesterday = today() - datetime.timedelta(days=1)
    response = admin.post(
        url("round_edit", running), round_data(closes_on=yesterday.isoformat(), budget_yuan="100")
    )

    assert response.status_code == 400
    assert "截止日期不能早于今天" in response.content.decode()
    running.refresh_from_db()
    assert running.closes_on == today()


def test_an_open_rounds_budget_may_not_drop_below_what_was_spent(admin, running):
    response = admin.post(
        url("round_edit", running),
        round_data(closes_on=running.closes_on.isoformat(), budget_yuan="8.49"),
    )

    assert response.status_code == 400
    assert "本期已用 8.50 元，预算不能少于已用的金额" in response.content.decode()
    running.refresh_from_db()
    assert running.budget_yuan == Decimal("100.00")


def test_a_round_opened_while_its_draft_form_was_filled_in_is_not_edited_as_a_draft(
    admin, draft, community
):
    RoundItemFactory(round=draft)
    form = RoundForm(round_data(name="改名"), instance=draft, community=community)
    assert form.is_valid()
    services.open_round(round_=draft, by=UserFactory())

    with pytest.raises(ValidationError, match="状态刚刚变了"):
        services.update_round(
            round_=draft, seen_status=form.status, changes=form.cleaned_data, by=UserFactory()
        )
    draft.refresh_from_db()
    assert draft.name == "2027年第一季度"


def test_a_closed_round_is_read_only(admin, running):
    services.close_round(round_=running, by=UserFactory())
    running.refresh_from_db()
    before = Round.objects.values().get(pk=running.pk)

    page = admin.get(url("round_edit", running))
    response = admin.post(url("round_edit", running), round_data(note="改说明", budget_yuan="500"))

    assert page.status_code == 200 and "不能再修改" in page.content.decode()
    assert 'name="note"' not in page.content.decode()
    assert response.status_code == 409
    assert Round.objects.values().get(pk=running.pk) == before


def test_only_admins_edit_rounds(staff_client, draft):
    assert staff_client.get(url("round_edit", draft)).status_code == 403
    assert staff_client.post(url("round_edit", draft), round_data(name="改名")).status_code == 403
    draft.refresh_from_db()
    assert draft.name == "2027年第一季度"
