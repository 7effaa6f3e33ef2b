"""The party pages' forms: the register's filters, the roll-call, the settings, a profile,
the 报到 of a party member who lives elsewhere."""

from __future__ import annotations

import contextlib
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from party.models import MAX_MEETINGS_PER_QUARTER, Duty, Post, ProjectRole
from residents import parsing
from residents.forms.households import MemberForm
from residents.models import BuildingGroup, Community, Member
from volunteering.models import Project

SERVICE_CHOICES = [("", _("在职/退休")), ("in_service", _("在职")), ("retired", _("退休"))]
RESIDENCE_CHOICES = [
    ("", _("居住/报到")),
    (Member.Residence.RESIDENT, _("本区居民")),
    (Member.Residence.NON_RESIDENT, _("报到（非本区居民）")),
]
LEADER_CHOICES = [("", _("楼组长")), ("yes", _("是楼组长")), ("no", _("不是楼组长"))]
POST_CHOICES = [
    ("", _("认领岗位")),
    ("none", _("未认领岗位")),
    ("any", _("已认领岗位")),
    *Post.choices,
]


class RegisterFilterForm(forms.Form):
    q = parsing.TextField(
        label=_("查找"),
        required=False,
        max_length=parsing.SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"placeholder": _("姓名、特长（如 电工）或工作单位"), "type": "search"}
        ),
    )
    service = forms.ChoiceField(label=_("在职/退休"), choices=SERVICE_CHOICES, required=False)
    residence = forms.ChoiceField(label=_("居住"), choices=RESIDENCE_CHOICES, required=False)
    leader = forms.ChoiceField(label=_("楼组长"), choices=LEADER_CHOICES, required=False)
    post = forms.ChoiceField(label=_("岗位"), choices=POST_CHOICES, required=False)
    building_group = parsing.ModelChoiceField(
        label=_("楼组"),
        queryset=BuildingGroup.objects.none(),
        required=False,
        empty_label=_("全部楼组"),
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building_group"].queryset = BuildingGroup.objects.for_community(
            community
        ).order_by("name")

    def cleaned(self) -> dict | None:
        """The filters asked for, or None (no filter) when there are none or they are wrong."""
        if self.is_bound and self.is_valid():
            data = dict(self.cleaned_data)
            data["q"] = data["q"].strip()
            return data
        return None


def duty_projects(community: Community):
    """The projects in use whose roll-call is taken here (dues, meetings)."""
    return (
        Project.objects.filter(community=community, is_active=True)
        .filter(
            pk__in=ProjectRole.objects.filter(community=community)
            .exclude(duty="")
            .values("project_id")
        )
        .order_by("name")
    )


class RollCallForm(forms.Form):
    project = parsing.ModelChoiceField(
        label=_("事项"), queryset=Project.objects.none(), empty_label=None
    )
    date = parsing.DateField(label=_("日期"), window=parsing.PAST_DAYS, what=_("日期"))
    present = parsing.IdListField(required=False)

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = duty_projects(community)
        self.fields["project"].error_messages["invalid_choice"] = _(
            "请选择党费或组织生活（三会一课）的项目。"
        )
        self.fields["date"].error_messages["required"] = _("请填写日期。")
        self.submission_key = uuid.uuid4()
        if self.is_bound:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                self.submission_key = uuid.UUID(str(self.data.get("submission_key", "")))


ROLE_CHOICES = [("", _("—")), *Duty.choices, *Post.choices]


class SettingsForm(forms.Form):
    meetings_per_quarter = parsing.IntegerField(
        label=_("每季度至少参加组织生活（次）"), min_value=0, max_value=MAX_MEETINGS_PER_QUARTER
    )
    base_points_to_passbook = forms.BooleanField(
        label=_("基础分也计入家庭存折"),
        required=False,
        help_text=_("默认不计入：党费、组织生活的基础分只记在党员积分账户。"),
    )

    def __init__(self, *args, projects, roles: dict[int, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.projects = list(projects)
        for project in self.projects:
            self.fields[f"role-{project.pk}"] = forms.ChoiceField(
                label=project.name,
                choices=ROLE_CHOICES,
                required=False,
                initial=roles.get(project.pk, ""),
            )

    def project_rows(self):
        return [(project, self[f"role-{project.pk}"]) for project in self.projects]

    def roles(self) -> dict[int, str]:
        return {project.pk: self.cleaned_data[f"role-{project.pk}"] for project in self.projects}


class ProfileForm(forms.Form):
    reported_on = parsing.DateField(
        label=_("报到日期"), window=parsing.PAST_DAYS, what=_("报到日期"), required=False
    )


class ReportForm(MemberForm):
    """A party member who lives elsewhere reports here (报到): who they are, their employer
    and position, their skills, and the day they reported."""

    reported_on = parsing.DateField(
        label=_("报到日期"), window=parsing.PAST_DAYS, what=_("报到日期")
    )

    class Meta(MemberForm.Meta):
        fields = [
            "name",
            "gender",
            "birth_year",
            "phone",
            "employer",
            "job_title",
            "specialties",
            "is_in_service_party_member",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].error_messages["required"] = _("请填写报到日期。")
        self.fields["is_in_service_party_member"].initial = True
        self.fields["reported_on"].initial = timezone.localdate()

    def clean(self) -> dict:
        # A reporting member is a party member by definition (MemberForm asks for the tick).
        self.cleaned_data["is_party_member"] = True
        return super().clean()

    def member_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
