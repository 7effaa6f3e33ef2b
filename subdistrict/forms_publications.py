"""The forms of 公示: publishing a period's standings, recording an objection, deciding it."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from points.forms.standings import recent_periods
from points.selectors import parse_period
from residents import parsing
from subdistrict.services_publications import MAX_DAYS


class DaysForm(forms.Form):
    """How many days a list is under 公示 (the standings' and the star contest's)."""

    days = parsing.IntegerField(label=_("公示天数"), min_value=1, max_value=MAX_DAYS, initial=7)


class PublishForm(DaysForm):
    period = parsing.TextField(label=_("统计期"), max_length=20)
    field_order = ["period", "days"]

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        choices = recent_periods(today)
        self.fields["period"].widget = forms.Select(choices=choices)
        self.fields["period"].initial = choices[0][1][1][0]  # the quarter before this one

    def clean_period(self):
        return parse_period(self.cleaned_data["period"], today=self.today)


class ObjectionForm(forms.Form):
    raised_by = parsing.TextField(
        label=_("提出人"), max_length=50, help_text=_("如：3号楼 王先生（电话留在居委会）")
    )
    raised_on = parsing.DateField(label=_("提出日期"), window=parsing.RECENT_DAYS)
    content = parsing.TextField(
        label=_("异议内容"), max_length=1000, multiline=True, widget=forms.Textarea
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["raised_on"].initial = today

    def clean_raised_on(self) -> datetime.date:
        day = self.cleaned_data["raised_on"]
        if day > self.today:
            raise ValidationError(_("提出日期不能晚于今天。"))
        return day


class DecisionForm(forms.Form):
    decision = parsing.TextField(
        label=_("处理结果"), max_length=1000, multiline=True, widget=forms.Textarea
    )


class NoticeForm(forms.Form):
    title = parsing.TextField(label=_("标题"), max_length=60)
    body = parsing.TextField(
        label=_("内容"),
        max_length=1000,
        multiline=True,
        widget=forms.Textarea,
        help_text=_("如：兑换时间和地点、居民会议。"),
    )
    expires_on = parsing.DateField(label=_("有效期至"), window=parsing.PLANNING_DAYS)

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["expires_on"].initial = today + datetime.timedelta(days=14)

    def clean_expires_on(self) -> datetime.date:
        day = self.cleaned_data["expires_on"]
        if day < self.today:
            raise ValidationError(_("有效期不能早于今天。"))
        return day
