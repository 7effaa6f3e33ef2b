from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents import parsing
from residents.models import Household, Member

# Large enough for a paper passbook carried over, small enough to catch a slipped key.
MAX_ADJUSTMENT = 9999


class UndoForm(forms.Form):
    # The reversing entry stores "撤销审核：<reason>" in a 200-character column.
    reason = parsing.TextField(
        label=_("撤销原因"),
        max_length=100,
        error_messages={"required": _("请写明撤销的原因。")},
        widget=forms.TextInput(attrs={"placeholder": _("如：登记错了人")}),
    )


class AdjustForm(forms.Form):
    amount = parsing.IntegerField(
        label=_("调整积分"),
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text=_("加分填正数，扣分填负数（如 -5）。"),
        error_messages={"required": _("请填写调整的积分。"), "invalid": _("请填写整数。")},
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )
    reason = parsing.TextField(
        label=_("原因"),
        max_length=200,
        error_messages={"required": _("调整积分必须写明原因。")},
        widget=forms.TextInput(attrs={"placeholder": _("如：纸质存折积分转入")}),
    )
    member = parsing.ModelChoiceField(
        label=_("居民"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("不指定（记在全户）"),
    )
    on = parsing.DateField(
        label=_("日期"),
        window=parsing.RECENT_DAYS,
        error_messages={"required": _("请填写日期。"), "invalid": _("日期格式不对。")},
    )

    def __init__(self, *args, household: Household, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.order_by("-is_active", "position", "id")
        self.fields["on"].initial = timezone.localdate

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise ValidationError(_("调整的积分不能为 0。"))
        return amount
