"""Forms for the point rules page. They read input; points.rules_admin decides what is
allowed (overlaps, used rules) and raises the messages shown on these forms."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from points.models import PointRule
from points.rules_admin import RuleValues
from residents import parsing
from residents.models import Community
from volunteering.models import Project, ProjectCategory

DEFAULT_SCOPE = "default"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": _("日期格式应为 2026-01-01。")}


def _number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", **attrs})


def _plain(value: Decimal) -> Decimal:
    """1.0 → 1 and 1.50 → 1.5 for the form (never 1E+1)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form; errors for fields the form does not
    have go to the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, errors)


class RuleForm(forms.Form):
    """A rule's scope, dates and amounts. `with_scope=False` for new amounts of an
    existing rule's scope (改用新标准)."""

    scope = forms.ChoiceField(
        label=_("适用范围"),
        error_messages={
            "required": _("请选择适用范围。"),
            "invalid_choice": _("所选项目或类别不属于本居民区。"),
        },
    )
    starts_on = parsing.DateField(
        label=_("生效日期"),
        window=parsing.PLANNING_DAYS,
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写生效日期。"), **DATE_ERRORS},
    )
    ends_on = parsing.DateField(
        label=_("截止日期"),
        required=False,
        window=parsing.PLANNING_DAYS,
        widget=DATE_WIDGET,
        help_text=_("不填表示一直有效"),
        error_messages=DATE_ERRORS,
    )
    points_per_session = parsing.IntegerField(
        label=_("每次积分"),
        min_value=0,
        max_value=999,
        initial=1,
        widget=_number(min="0", max="999"),
        help_text=_("参加一次得几分，常见为 1"),
        error_messages={"required": _("请填写每次积分，不按次计分请填 0。")},
    )
    points_per_hour = parsing.DecimalField(
        label=_("每小时积分"),
        min_value=Decimal(0),
        max_value=Decimal("99.9"),
        max_digits=3,
        decimal_places=1,
        initial=Decimal(0),
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.5", "min": "0"}),
        help_text=_("按服务时长计分，不按小时填 0"),
        error_messages={"required": _("请填写每小时积分，不按小时计分请填 0。")},
    )
    rounding = forms.ChoiceField(
        label=_("按小时计分的取整"),
        choices=PointRule.Rounding.choices,
        initial=PointRule.Rounding.DOWN,
    )
    organiser_bonus = parsing.IntegerField(
        label=_("组织/带队加分"),
        min_value=0,
        max_value=999,
        initial=0,
        widget=_number(min="0", max="999"),
        error_messages={"required": _("请填写组织/带队加分，没有请填 0。")},
    )
    daily_cap = parsing.IntegerField(
        label=_("每人每日上限"),
        required=False,
        min_value=1,
        max_value=9999,
        widget=_number(min="1", placeholder=_("不限")),
        error_messages={"min_value": _("上限至少为 1 分；不设上限请留空。")},
    )
    monthly_cap = parsing.IntegerField(
        label=_("每人每月上限"),
        required=False,
        min_value=1,
        max_value=9999,
        widget=_number(min="1", placeholder=_("不限")),
        error_messages={"min_value": _("上限至少为 1 分；不设上限请留空。")},
    )
    note = parsing.TextField(
        label=_("说明"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如 按街道2026年积分办法")}),
    )

    def __init__(
        self,
        *args,
        community: Community,
        with_scope: bool = True,
        current: PointRule | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        if not self.is_bound and "starts_on" not in self.initial:
            self.initial["starts_on"] = timezone.localdate()
        if not with_scope:
            del self.fields["scope"]
            return
        categories = list(
            ProjectCategory.objects.for_community(community).order_by("position", "name")
        )
        projects = list(
            Project.objects.for_community(community)
            .filter(is_active=True)
            .order_by("category__position", "category__name", "position", "name")
        )
        if current is not None and current.project is not None and current.project not in projects:
            projects.append(current.project)  # a retired project keeps its rule editable
        self._categories = {f"category:{c.pk}": c for c in categories}
        self._projects = {f"project:{p.pk}": p for p in projects}
        choices: list = [(DEFAULT_SCOPE, _("全居民区默认"))]
        if categories:
            whole = [
                (key, _("类别：%(name)s") % {"name": c.name}) for key, c in self._categories.items()
            ]
            choices.append((_("整个类别"), whole))
        for category in categories:
            options = [
                (key, p.name) for key, p in self._projects.items() if p.category_id == category.pk
            ]
            if options:
                choices.append((_("%(name)s 的项目") % {"name": category.name}, options))
        self.fields["scope"].choices = choices
        self.fields["scope"].initial = DEFAULT_SCOPE

    @staticmethod
    def initial_for(rule: PointRule, *, starts_on: datetime.date | None = None) -> dict:
        if rule.project_id:
            scope = f"project:{rule.project_id}"
        elif rule.category_id:
            scope = f"category:{rule.category_id}"
        else:
            scope = DEFAULT_SCOPE
        return {
            "scope": scope,
            "starts_on": starts_on or rule.starts_on,
            "ends_on": None if starts_on else rule.ends_on,
            "points_per_session": rule.points_per_session,
            "points_per_hour": _plain(rule.points_per_hour),
            "rounding": rule.rounding,
            "organiser_bonus": rule.organiser_bonus,
            "daily_cap": rule.daily_cap,
            "monthly_cap": rule.monthly_cap,
            # New amounts usually need new words; an edit keeps them.
            "note": "" if starts_on else rule.note,
        }

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data["note"].split())

    def values(self) -> RuleValues:
        data = self.cleaned_data
        scope = data.get("scope", DEFAULT_SCOPE)
        return RuleValues(
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            project=self._projects.get(scope) if "scope" in self.fields else None,
            category=self._categories.get(scope) if "scope" in self.fields else None,
            points_per_session=data["points_per_session"],
            points_per_hour=data["points_per_hour"],
            rounding=data["rounding"],
            organiser_bonus=data["organiser_bonus"],
            daily_cap=data["daily_cap"],
            monthly_cap=data["monthly_cap"],
            note=data["note"],
        )


class EndRuleForm(forms.Form):
    ends_on = parsing.DateField(
        label=_("最后一天"),
        window=parsing.PLANNING_DAYS,
        widget=DATE_WIDGET,
        help_text=_("这一天之后的活动不再按这条规则计分"),
        error_messages={"required": _("请填写结束日期。"), **DATE_ERRORS},
    )
