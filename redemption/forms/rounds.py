"""Forms for rounds (兑换期), their items, and the confirmations before opening and closing.

What may change depends on where the round is: a draft is fully editable; an open round
only its closing day, budget and note; a closed round nothing (PostgreSQL refuses too).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redemption.models import OPEN_ROUND_FIELDS, Reward, Round, RoundItem
from redemption.services import (
    budget_below_spent_message,
    code_taken_message,
    item_twice_message,
    stock_below_taken_message,
)
from residents import parsing
from residents.models import Community
from residents.phones import normalize_digits

DATE_ERRORS = {"invalid": _("日期格式应为 2026-10-01。")}
CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,12}$")
MAX_STOCK = 99_999
MAX_LIMIT = 999
MAX_CAP = 999_999
CODE_MESSAGE = _("编号只能用字母、数字和短横线，最多 12 个字符，如 2026Q4。")
QUARTER_NAMES = {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", " ", normalize_digits(value)).strip()


def _money_errors(label: str) -> dict:
    return {
        "invalid": _("%(label)s请填数字，如 3000 或 2500.50。") % {"label": label},
        "max_decimal_places": _("%(label)s最多填到分。") % {"label": label},
        "max_digits": _("%(label)s太大了，请检查。") % {"label": label},
        "max_whole_digits": _("%(label)s太大了，请检查。") % {"label": label},
        "min_value": _("%(label)s不能小于 0 元。") % {"label": label},
    }


# Suggesting the next round ---------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.number * 3 - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def name(self) -> str:
        return _("%(year)s年%(quarter)s") % {
            "year": self.year,
            "quarter": QUARTER_NAMES[self.number],
        }

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"


def suggested_round(community: Community, today: datetime.date | None = None) -> dict:
    """Defaults for a new round: the quarter after the community's last round (or this
    quarter for the first one), its first and last day, and the last round's budget."""
    today = today or timezone.localdate()
    rounds = Round.objects.filter(community=community)
    # A round dated past the planning window (saved before there was one) is not "the last".
    latest = parsing.PLANNING_DAYS.bounds(today)[1]
    last = rounds.filter(closes_on__lt=latest).order_by("-closes_on", "-pk").first()
    start = today if last is None else max(today, last.closes_on + datetime.timedelta(days=1))
    quarter = Quarter.of(start)
    codes = {code.upper() for code in rounds.values_list("code", flat=True)}
    while quarter.code in codes:
        quarter = quarter.next()
    initial = {
        "name": quarter.name,
        "code": quarter.code,
        "opens_on": quarter.first_day,
        "closes_on": quarter.last_day,
        "balance_policy": Round.BalancePolicy.CARRY,
    }
    if last is not None:
        initial["budget_yuan"] = last.budget_yuan
    return initial


# The round form --------------------------------------------------------------------------


class RoundForm(parsing.ModelForm):
    """A new or draft round: everything. An open round: OPEN_ROUND_FIELDS only."""

    opens_on = parsing.DateField(label=_("开始日期"), window=parsing.PLANNING_DAYS)
    closes_on = parsing.DateField(label=_("截止日期"), window=parsing.PLANNING_DAYS)

    class Meta:
        model = Round
        fields = [
            "name",
            "code",
            "opens_on",
            "closes_on",
            "budget_yuan",
            "balance_policy",
            "balance_cap",
            "note",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("如 2026年第四季度")}),
            "code": forms.TextInput(
                attrs={"placeholder": "2026Q4", "autocapitalize": "characters", "maxlength": 12}
            ),
            "budget_yuan": forms.NumberInput(
                attrs={"inputmode": "decimal", "min": "0", "step": "0.01"}
            ),
            "balance_policy": forms.RadioSelect,
            "balance_cap": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
            "note": forms.TextInput(
                attrs={"placeholder": _("如 11月21日、22日上午在社区超市兑换")}
            ),
        }
        help_texts = {
            "budget_yuan": _("居委会本期为兑换准备的活动经费；兑换物品的成本从这里支出。"),
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.instance.community = community
        self.status = self.instance.status if self.instance.pk else Round.Status.DRAFT
        if self.status == Round.Status.OPEN:
            for name in list(self.fields):
                if name not in OPEN_ROUND_FIELDS:
                    del self.fields[name]
        fields = self.fields
        messages = {
            "name": {"required": _("请填写名称，如 2026年第四季度。")},
            "code": {
                "required": _("请填写编号，如 2026Q4。"),
                "max_length": CODE_MESSAGE,
            },
            "opens_on": {"required": _("请填写开始日期。"), **DATE_ERRORS},
            "closes_on": {"required": _("请填写截止日期。"), **DATE_ERRORS},
            "budget_yuan": {"required": _("请填写本期预算。"), **_money_errors(_("预算"))},
            "balance_policy": {
                "required": _("请选择结账时积分怎么办。"),
                "invalid_choice": _("请选择结账时积分怎么办。"),
            },
            "balance_cap": {
                "invalid": _("保留上限请填整数。"),
                "min_value": _("保留上限至少为 1 分。"),
            },
        }
        for name, errors in messages.items():
            if name in fields:
                fields[name].error_messages.update(errors)

    def clean_name(self) -> str:
        name = _squeeze(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("请填写名称，如 2026年第四季度。"))
        return name

    def clean_code(self) -> str:
        code = normalize_digits(self.cleaned_data["code"]).replace(" ", "").upper()
        if not CODE_PATTERN.match(code):
            raise ValidationError(CODE_MESSAGE)
        taken = Round.objects.filter(community=self.community, code__iexact=code)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(code_taken_message(code))
        return code

    def clean_budget_yuan(self) -> Decimal:
        budget = self.cleaned_data["budget_yuan"]
        if budget < 0:
            raise ValidationError(_("预算不能小于 0 元。"))
        if self.status == Round.Status.OPEN and budget < self.instance.spent_yuan:
            raise ValidationError(budget_below_spent_message(self.instance.spent_yuan))
        return budget

    def clean_balance_cap(self) -> int | None:
        cap = self.cleaned_data["balance_cap"]
        if cap is not None and cap < 1:
            raise ValidationError(_("保留上限至少为 1 分。"))
        if cap is not None and cap > MAX_CAP:
            raise ValidationError(_("保留上限不能超过 %(max)s 分。"), params={"max": MAX_CAP})
        return cap

    def clean_note(self) -> str:
        return _squeeze(self.cleaned_data["note"])

    def clean(self) -> dict:
        data = super().clean()
        opens_on = data.get("opens_on", self.instance.opens_on)
        closes_on = data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("截止日期不能早于开始日期。"))
        elif self.status == Round.Status.OPEN and closes_on:
            today = timezone.localdate()
            if closes_on < today:
                self.add_error(
                    "closes_on",
                    _("兑换已经开始，截止日期不能早于今天；要结束兑换，请结账。"),
                )
        if "balance_policy" in self.fields:
            policy = data.get("balance_policy")
            if policy == Round.BalancePolicy.CAP:
                if data.get("balance_cap") is None and "balance_cap" not in self.errors:
                    self.add_error(
                        "balance_cap",
                        _("选择“结账时超出上限的积分清零”，请填写每户最多保留多少分。"),
                    )
            elif "balance_cap" in data:
                data["balance_cap"] = None  # only the cap policy keeps a cap
                self.errors.pop("balance_cap", None)
        return data


# Items of a round --------------------------------------------------------------------------


def _stock_field(**kwargs) -> forms.IntegerField:
    return parsing.IntegerField(
        label=_("库存"),
        min_value=0,
        max_value=MAX_STOCK,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"}),
        error_messages={
            "required": _("请填写库存。"),
            "invalid": _("库存请填整数。"),
            "min_value": _("库存不能小于 0。"),
            "max_value": _("库存不能超过 %(limit_value)s。"),
        },
        **kwargs,
    )


def _limit_field() -> forms.IntegerField:
    return parsing.IntegerField(
        label=_("每户限兑"),
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "min": "1", "placeholder": _("不限")}
        ),
        help_text=_("留空表示不限"),
        error_messages={
            "invalid": _("每户限兑请填整数。"),
            "min_value": _("每户限兑至少为 1；不限请留空。"),
            "max_value": _("每户限兑不能超过 %(limit_value)s；不限请留空。"),
        },
    )


class RoundItemAddForm(forms.Form):
    """Offer a catalogue reward in the round; its price and cost are copied from it."""

    reward = parsing.ModelChoiceField(
        label=_("物品"),
        queryset=Reward.objects.none(),
        empty_label=_("请选择物品"),
        error_messages={
            "required": _("请选择要加入本期的物品。"),
            "invalid_choice": _("所选物品不在本居民区的在用目录里。"),
        },
    )
    stock = _stock_field()
    per_household_limit = _limit_field()

    def __init__(self, *args, round_: Round, offered: set[int] | None = None, **kwargs) -> None:
        """`offered`: the rewards already in the round, left out of the choices (a posted
        one is still refused with a clear message)."""
        super().__init__(*args, **kwargs)
        self.round = round_
        # One line of help under the whole form instead, so the fields line up.
        self.fields["stock"].help_text = ""
        self.fields["per_household_limit"].help_text = ""
        self.fields["stock"].widget.attrs["placeholder"] = _("如 50")
        field = self.fields["reward"]
        field.queryset = Reward.objects.filter(
            community_id=round_.community_id, is_active=True
        ).order_by("point_price", "name")
        if offered is not None:
            field.choices = [
                ("", field.empty_label),
                *(
                    (reward.pk, reward_label(reward))
                    for reward in field.queryset
                    if reward.pk not in offered
                ),
            ]

    def clean_stock(self) -> int:
        stock = self.cleaned_data["stock"]
        if stock < 1:
            raise ValidationError(_("库存至少为 1。"))
        return stock

    def clean_reward(self) -> Reward:
        reward = self.cleaned_data["reward"]
        if RoundItem.objects.filter(round=self.round, reward=reward).exists():
            raise ValidationError(item_twice_message(reward))
        return reward


def reward_label(reward: Reward) -> str:
    return _("%(name)s（%(points)s 分/%(unit)s，成本 %(cost)s 元）") % {
        "name": reward.name,
        "points": reward.point_price,
        "unit": reward.unit,
        "cost": f"{reward.cost_yuan:.2f}",
    }


class RoundItemForm(parsing.ModelForm):
    """An item's stock and limit (draft or open); its price and cost too while draft."""

    class Meta:
        model = RoundItem
        fields = ["point_price", "cost_yuan", "stock", "per_household_limit"]
        widgets = {
            "point_price": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
            "cost_yuan": forms.NumberInput(
                attrs={"inputmode": "decimal", "min": "0", "step": "0.01"}
            ),
        }

    stock = _stock_field()
    per_household_limit = _limit_field()

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", f"item-{kwargs['instance'].pk}")
        super().__init__(*args, **kwargs)
        self.status = self.instance.round.status
        if self.status != Round.Status.DRAFT:
            del self.fields["point_price"]
            del self.fields["cost_yuan"]
        else:
            self.fields["point_price"].error_messages.update(
                {
                    "required": _("请填写所需积分。"),
                    "invalid": _("所需积分请填整数。"),
                    "min_value": _("所需积分至少为 1 分。"),
                }
            )
            self.fields["cost_yuan"].error_messages.update(
                {"required": _("请填写成本，赠品请填 0。"), **_money_errors(_("成本"))}
            )

    def clean_point_price(self) -> int:
        price = self.cleaned_data["point_price"]
        if price < 1:
            raise ValidationError(_("所需积分至少为 1 分。"))
        return price

    def clean_cost_yuan(self) -> Decimal:
        cost = self.cleaned_data["cost_yuan"]
        if cost < 0:
            raise ValidationError(_("成本不能小于 0 元。"))
        return cost

    def clean_stock(self) -> int:
        stock = self.cleaned_data["stock"]
        if stock < self.instance.taken:
            raise ValidationError(stock_below_taken_message(self.instance.taken))
        return stock


# Opening and closing -----------------------------------------------------------------------


class OpenRoundForm(forms.Form):
    """Opening a round. Before its first day (`early`), the admin also confirms what
    residents will read on their passbooks until then (from which day, and the note)."""

    confirm = forms.BooleanField(
        label=_("我已核对本期的物品、库存、预算和日期"),
        error_messages={"required": _("请先勾选确认，再开始兑换。")},
    )
    confirm_early = forms.BooleanField(
        label=_(
            "我知道还没到开始日期：居民会在存折上看到从哪天开始、在哪里兑换，柜台到那天才能兑换"
        ),
        required=False,
    )

    def __init__(self, *args, early: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.early = early
        if not early:
            del self.fields["confirm_early"]
        else:
            self.fields["confirm_early"].required = True
            self.fields["confirm_early"].error_messages["required"] = _(
                "还没到开始日期：请先核对居民会看到的提示，再勾选确认。"
            )


class CloseRoundForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我知道结账后不能撤销，也不能再兑换或取消本期的兑换单"),
        error_messages={"required": _("请先勾选确认，再结账。")},
    )
