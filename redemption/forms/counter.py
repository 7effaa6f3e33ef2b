"""Forms of the counter: the search box, the redemption (a quantity per item of the open
round) and cancelling a receipt. They check the input; the services check the rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from redemption.models import MAX_QUANTITY, RoundItem
from residents import parsing


class CounterSearchForm(forms.Form):
    q = parsing.TextField(
        label=_("存折编号、姓名、房号或扫码"),
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("编号、姓名、房号或扫码"),
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "autofocus": True,
            }
        ),
    )


def quantity_field_name(item: RoundItem) -> str:
    return f"qty_{item.pk}"


class RedeemForm(forms.Form):
    """One number input per item of the round (0 = none of it) and the key that makes a
    second submission of the same form find the first redemption."""

    submission_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("页面已过期，请刷新后重新填写。"),
            "invalid": _("页面已过期，请刷新后重新填写。"),
        },
    )

    def __init__(self, *args, items: Sequence[RoundItem], **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[quantity_field_name(item)] = parsing.IntegerField(
                label=item.reward.name,
                required=False,
                min_value=0,
                max_value=MAX_QUANTITY,
                error_messages={
                    "invalid": _("请填写整数。"),
                    "min_value": _("数量不能小于 0。"),
                    "max_value": _("一次最多兑换 %(limit_value)s 个。"),
                },
                widget=forms.NumberInput(
                    attrs={
                        "min": 0,
                        "max": MAX_QUANTITY,
                        "step": 1,
                        "inputmode": "numeric",
                        "data-price": item.point_price,
                        "class": "counter-qty",
                    }
                ),
            )

    def rows(self) -> list[tuple[RoundItem, forms.BoundField]]:
        return [(item, self[quantity_field_name(item)]) for item in self.items]

    def quantities(self) -> dict[int, int]:
        """Item id → quantity asked for (zeros left out); call after is_valid()."""
        wanted = {}
        for item in self.items:
            quantity = self.cleaned_data.get(quantity_field_name(item))
            if quantity:
                wanted[item.pk] = quantity
        return wanted

    def total_points(self) -> int:
        """The points of what was typed, for the re-rendered form (bad numbers count 0)."""
        total = 0
        for item in self.items:
            value = self[quantity_field_name(item)].value()
            try:
                quantity = parsing.integer(value or 0, min_value=0, max_value=MAX_QUANTITY)
            except ValidationError:
                continue
            if 0 < quantity <= MAX_QUANTITY:
                total += quantity * item.point_price
        return total


class CancelForm(forms.Form):
    # The reversing entry stores "取消兑换单 <number>：<reason>" in a 200-character column.
    reason = parsing.TextField(
        label=_("取消原因"),
        max_length=100,
        error_messages={"required": _("请写明取消的原因。")},
        widget=forms.TextInput(attrs={"placeholder": _("如：拿错了物品、居民不要了")}),
    )
