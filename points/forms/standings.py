"""The period picker of the standings pages: ?period=2026Q4 (a quarter) or ?period=2026."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from points.selectors import Period, parse_period, quarter_of
from residents import parsing

RECENT_QUARTERS = 8
RECENT_YEARS = 3


def recent_periods(today: datetime.date) -> list:
    """Choices for the picker: the last quarters and years, newest first."""
    quarters, period = [], quarter_of(today)
    for _i in range(RECENT_QUARTERS):
        quarters.append((period.param, period.label))
        period = period.previous()
    years = [(str(today.year - i), Period(today.year - i).label) for i in range(RECENT_YEARS)]
    return [(_("季度"), quarters), (_("全年"), years)]


class StandingsForm(forms.Form):
    period = parsing.TextField(label=_("统计期"), required=False, max_length=20)

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # A Select on a CharField: any valid period typed into the address is accepted,
        # the list only offers the recent ones.
        choices = recent_periods(today)
        asked = self.data.get("period", "") if self.is_bound else ""
        try:
            older = parse_period(asked, today=today)
        except ValidationError:
            older = None
        offered = {value for _group, options in choices for value, _label in options}
        if older is not None and older.param not in offered:
            choices.insert(0, (older.param, older.label))
        self.fields["period"].widget = forms.Select(
            choices=choices, attrs={"data-autosubmit": True}
        )
        self.fields["period"].initial = quarter_of(today).param

    def clean_period(self) -> Period:
        text = self.cleaned_data["period"]
        if not text:
            return quarter_of(self.today)
        return parse_period(text, today=self.today)

    def chosen(self) -> Period:
        """The period asked for, or the current quarter (Asia/Shanghai) if none or invalid."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["period"]
        return quarter_of(self.today)
