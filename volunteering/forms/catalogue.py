"""Forms for the project menu, claims and teams. Querysets are always one community's."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents import parsing
from residents.forms.named_items import NamedItemForm
from residents.models import Community, Member
from volunteering.models import MAX_HOURS, Project, ProjectCategory, Team


class ProjectCategoryForm(NamedItemForm):
    class Meta:
        model = ProjectCategory
        fields = ["name", "position"]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("如 平安守护")}),
            "position": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, community=community, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写类别名称。")
        self.fields["position"].help_text = _("数字小的排在前面")


class ProjectForm(NamedItemForm):
    class Meta:
        model = Project
        fields = ["category", "name", "description", "default_hours"]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("如 义务安保巡逻")}),
            "description": forms.Textarea(attrs={"rows": 2}),
            "default_hours": forms.NumberInput(
                attrs={"step": "0.5", "min": "0.5", "max": "24", "inputmode": "decimal"}
            ),
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, community=community, **kwargs)
        category = self.fields["category"]
        category.queryset = ProjectCategory.objects.for_community(community)
        category.empty_label = _("请选择类别")
        category.error_messages["required"] = _("请选择类别。")
        category.error_messages["invalid_choice"] = _("所选类别不属于本居民区。")
        self.fields["name"].error_messages["required"] = _("请填写项目名称。")
        self.fields["default_hours"].error_messages["required"] = _("请填写默认时长。")
        self.fields["default_hours"].help_text = _("登记活动时预填的时长，可在活动中修改")

    def clean_default_hours(self) -> Decimal:
        hours = self.cleaned_data["default_hours"]
        if not Decimal(0) < hours <= MAX_HOURS:
            raise ValidationError(
                _("默认时长应大于 0 小时，且不超过 %(max)s 小时。"), params={"max": MAX_HOURS}
            )
        return hours


class TeamForm(NamedItemForm):
    class Meta:
        model = Team
        fields = ["name"]
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("如 平安巡逻队")})}

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, community=community, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写团队名称。")


def current_residents(community: Community):
    """Members who can claim a project or join a team: living in an active household, or
    non-residents (报到) on the register."""
    return Member.objects.filter(community=community).current()


class MemberPickForm(forms.Form):
    """Residents ticked in the search results (认领 / 加入团队), and the date it happened.

    The checkboxes are drawn by the picker template from the search results, so only
    the field's validation is used here."""

    members = parsing.ModelMultipleChoiceField(
        label=_("居民"),
        queryset=Member.objects.none(),
        error_messages={
            "required": _("请先查找并勾选至少一位居民。"),
            "invalid_choice": _("所选居民不是本居民区的在册居民。"),
            "invalid_pk_value": _("所选居民不是本居民区的在册居民。"),
        },
    )
    on = parsing.DateField(
        label=_("日期"),
        window=parsing.PAST_DAYS,
        error_messages={"required": _("请填写日期。"), "invalid": _("日期格式应为 2025-03-01。")},
    )

    def __init__(self, *args, community: Community, date_label: str = "", **kwargs) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = current_residents(community)
        if date_label:
            self.fields["on"].label = date_label
