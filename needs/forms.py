"""Forms for visits and needs. Querysets are always one community's; every field is one of
residents.parsing's."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from needs.models import MAX_TEXT, Pairing, PartnerUnit
from residents import parsing
from residents.models import Community, Household, Member
from volunteering.models import Project, Team


def households_of(community: Community):
    return Household.objects.filter(community=community, status=Household.Status.ACTIVE)


def volunteers_of(community: Community):
    """People a need may be given to: party members, team members, building-group leaders
    and partner units' people."""
    return (
        residents_of(community)
        .filter(
            Q(team_memberships__isnull=False)
            | Q(led_building_groups__isnull=False)
            | Q(is_party_member=True)
            | Q(partner_people__isnull=False)
        )
        .distinct()
        .order_by("name", "pk")
    )


def residents_of(community: Community):
    """People who may take part today: residents in residence and non-residents (报到)."""
    return (
        Member.objects.filter(community=community).current().select_related("household__compound")
    )


class VisitForm(forms.Form):
    household = parsing.ModelChoiceField(
        queryset=Household.objects.none(), widget=forms.HiddenInput, label=_("户")
    )
    visited_on = parsing.DateField(window=parsing.RECENT_DAYS, label=_("走访日期"))
    visitors = parsing.TextField(max_length=100, label=_("走访人"))
    findings = parsing.TextField(
        max_length=MAX_TEXT,
        multiline=True,
        required=False,
        label=_("了解到的情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    need_follows = forms.BooleanField(required=False, label=_("有需求要办"))
    need_text = parsing.TextField(
        max_length=MAX_TEXT,
        multiline=True,
        required=False,
        label=_("需求内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, community: Community, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("visited_on", timezone.localdate())
        kwargs["initial"].setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households_of(community)
        self.fields["household"].error_messages["invalid_choice"] = _("请先找到要走访的户。")
        self.fields["household"].error_messages["required"] = _("请先找到要走访的户。")
        self.fields["visitors"].error_messages["required"] = _("请写上走访人。")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("need_follows") and not (data.get("need_text") or "").strip():
            self.add_error("need_text", _("勾选了有需求，请写下需求内容。"))
        if not data.get("need_follows"):
            data["need_text"] = ""
        return data


class NeedForm(forms.Form):
    """A need recorded at the office desk."""

    household = parsing.ModelChoiceField(
        queryset=Household.objects.none(), required=False, widget=forms.HiddenInput
    )
    text = parsing.TextField(
        max_length=MAX_TEXT,
        multiline=True,
        label=_("需求内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households_of(community)
        self.fields["household"].error_messages["invalid_choice"] = _("所选的户不在册。")
        self.fields["text"].error_messages["required"] = _("请写下需求的内容。")


class WishForm(forms.Form):
    """The resident's small wish: one text field, nothing personal asked."""

    text = parsing.TextField(
        max_length=MAX_TEXT,
        multiline=True,
        label=_("我的心愿"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].error_messages["required"] = _("请写下您的心愿。")


class AssigneeForm(forms.Form):
    """Who a need is given to, or who takes a published call: one of three."""

    member = parsing.ModelChoiceField(
        queryset=Member.objects.none(), required=False, label=_("党员/志愿者")
    )
    team = parsing.ModelChoiceField(queryset=Team.objects.none(), required=False, label=_("团队"))
    partner = parsing.ModelChoiceField(
        queryset=PartnerUnit.objects.none(), required=False, label=_("共建单位")
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = volunteers_of(community)
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.place}）"
        self.fields["team"].queryset = Team.objects.filter(community=community, is_active=True)
        self.fields["partner"].queryset = PartnerUnit.objects.filter(
            community=community, is_active=True
        )
        for name in ("member", "team", "partner"):
            self.fields[name].error_messages["invalid_choice"] = _("所选的不属于本居民区。")
            self.fields[name].empty_label = _("（不选）")

    def clean(self) -> dict:
        data = super().clean()
        chosen = [n for n in ("member", "team", "partner") if data.get(n)]
        if len(chosen) != 1 and not self.errors:
            raise ValidationError(_("请选择一位承办人、一个团队或一个共建单位（只选一个）。"))
        return data


class CompleteForm(forms.Form):
    done_on = parsing.DateField(window=parsing.RECENT_DAYS, label=_("办结日期"))
    done_note = parsing.TextField(
        max_length=MAX_TEXT,
        multiline=True,
        label=_("办了什么"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    hours = parsing.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=24,
        label=_("每人时长（小时）"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "max": "24"}),
    )
    doers = parsing.ModelMultipleChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label=_("办理人"),
        widget=forms.CheckboxSelectMultiple,
    )
    project = parsing.ModelChoiceField(
        queryset=Project.objects.none(), required=False, label=_("计入公益项目")
    )
    people = parsing.IntegerField(
        min_value=1,
        max_value=500,
        required=False,
        label=_("去了几个人"),
        help_text=_("没有逐一登记办理人时填写（如共建单位派出的人数）"),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, community: Community, doers, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("done_on", timezone.localdate())
        kwargs["initial"].setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["doers"].queryset = doers
        self.fields["project"].queryset = Project.objects.filter(
            community=community, is_active=True
        )
        self.fields["project"].empty_label = _("请选择项目")
        self.fields["done_note"].error_messages["required"] = _("请写明办了什么。")
        self.fields["hours"].error_messages["required"] = _("请填写时长。")


class FollowUpForm(forms.Form):
    confirmed = forms.TypedChoiceField(
        choices=[("yes", _("居民认可，已办好")), ("no", _("居民说没有办好"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label=_("回访结果"),
    )
    note = parsing.TextField(max_length=200, required=False, label=_("回访情况"))


class ReasonForm(forms.Form):
    reason = parsing.TextField(max_length=200, label=_("原因"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _("请写明原因。")


class YearForm(forms.Form):
    year = parsing.IntegerField(min_value=2000, max_value=2100, required=False, label=_("年度"))


class OverdueForm(forms.Form):
    months = parsing.IntegerField(
        min_value=1, max_value=60, required=False, label=_("几个月没走访")
    )
    priority = forms.BooleanField(required=False, label=_("只看独居、纯老、困难家庭"))


class PartnerUnitForm(parsing.ModelForm):
    class Meta:
        model = PartnerUnit
        fields = ["name", "contact", "phone", "party_branch", "commitments"]
        widgets = {"commitments": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写单位名称。")
        self.fields["commitments"].help_text = _("如 每季度义诊一次、结对帮扶 10 户困难家庭")


class PartnerPersonForm(forms.Form):
    """Someone already on the register, or a new non-resident (报到): one of the two."""

    member = parsing.ModelChoiceField(
        queryset=Member.objects.none(), required=False, label=_("已登记的人员")
    )
    name = parsing.TextField(max_length=50, required=False, label=_("新人员姓名"))
    phone = parsing.TextField(max_length=20, required=False, label=_("手机"))
    is_party_member = forms.BooleanField(required=False, label=_("党员"))

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        member.queryset = residents_of(community).order_by("name", "pk")
        member.label_from_instance = lambda m: f"{m.name}（{m.place}）"
        member.empty_label = _("（不选）")
        member.error_messages["invalid_choice"] = _("此人不在本居民区的名册上。")

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and bool(data.get("member")) == bool(data.get("name", "").strip()):
            raise ValidationError(_("请选择一位已登记的人员，或填写新人员的姓名（二选一）。"))
        return data

    def new_person(self) -> dict | None:
        data = self.cleaned_data
        if data.get("member"):
            return None
        return {
            "name": data["name"].strip(),
            "phone": data["phone"].strip(),
            "is_party_member": data["is_party_member"],
        }


class PairingForm(forms.Form):
    household = parsing.ModelChoiceField(
        queryset=Household.objects.none(), widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(choices=Pairing.Kind.choices, label=_("结对类型"))
    member = parsing.ModelChoiceField(
        queryset=Member.objects.none(), required=False, label=_("志愿者")
    )
    partner = parsing.ModelChoiceField(
        queryset=PartnerUnit.objects.none(), required=False, label=_("共建单位")
    )
    started_on = parsing.DateField(window=parsing.PAST_DAYS, label=_("结对日期"))
    note = parsing.TextField(max_length=200, required=False, label=_("备注"))

    def __init__(self, *args, community: Community, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("started_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households_of(community)
        self.fields["household"].error_messages["invalid_choice"] = _("请从该户的页面进入。")
        self.fields["household"].error_messages["required"] = _("请从该户的页面进入。")
        member = self.fields["member"]
        member.queryset = volunteers_of(community)
        member.label_from_instance = lambda m: f"{m.name}（{m.place}）"
        member.help_text = _("党员、团队队员、楼组长和共建单位人员")
        self.fields["partner"].queryset = PartnerUnit.objects.filter(
            community=community, is_active=True
        )
        for name in ("member", "partner"):
            self.fields[name].empty_label = _("（不选）")
            self.fields[name].error_messages["invalid_choice"] = _("所选的不属于本居民区。")

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and bool(data.get("member")) == bool(data.get("partner")):
            raise ValidationError(_("请选择一位志愿者或一个共建单位（只选一个）。"))
        return data


class ServedForm(forms.Form):
    """The household an activity served (its page's 服务对象 section)."""

    household = parsing.ModelChoiceField(
        queryset=Household.objects.none(), widget=forms.HiddenInput, label=_("服务对象")
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households_of(community)
        self.fields["household"].error_messages["invalid_choice"] = _("请先找到服务的户。")
        self.fields["household"].error_messages["required"] = _("请先找到服务的户。")
