"""The household register's forms: a household and its members, the list's filters, the
move-out. The address rules and the specialties field are the roster import's too."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents import parsing
from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    HouseholdType,
    Member,
)
from residents.phones import normalize_digits, normalize_phone

_ADDRESS_PART = re.compile(r"^[0-9A-Za-z]{1,10}$")
_SPECIALTY_SPLIT = re.compile(r"[,，、;；\s]+")


def address_part(value: str, suffixes: tuple[str, ...], label: str, required: bool) -> str:
    text = normalize_digits(value).replace(" ", "")
    for suffix in suffixes:
        text = text.removesuffix(suffix)
    if not text:
        if required:
            raise ValidationError(_("请填写%(label)s。"), params={"label": label})
        return ""
    if not _ADDRESS_PART.match(text):
        raise ValidationError(_("%(label)s只填数字或字母，如 5 或 12A。"), params={"label": label})
    return text.upper()


class HouseholdForm(parsing.ModelForm):
    class Meta:
        model = Household
        fields = [
            "compound",
            "building",
            "unit",
            "room",
            "building_group",
            "phone",
            "types",
            "notes",
        ]
        widgets = {
            "types": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 2}),
            "building": forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "5"}),
            "unit": forms.TextInput(attrs={"placeholder": _("可不填")}),
            "room": forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "302"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["compound"].queryset = Compound.objects.for_community(community)
        self.fields["building_group"].queryset = BuildingGroup.objects.for_community(community)
        self.fields["building_group"].help_text = _(
            "不填时：这栋楼在册的户都属于同一个楼组，就自动填上这个楼组。"
        )
        self.fields["types"].queryset = HouseholdType.objects.for_community(community)
        self.fields["building"].error_messages["required"] = _("请填写楼号。")
        self.fields["room"].error_messages["required"] = _("请填写室号。")
        self.fields["compound"].error_messages["required"] = _("请选择小区。")
        compounds = list(self.fields["compound"].queryset[:2])
        if len(compounds) == 1 and not self.instance.pk:
            self.initial["compound"] = compounds[0].pk

    def clean_building(self) -> str:
        return address_part(
            self.cleaned_data["building"], ("号楼", "号", "栋", "幢"), _("楼号"), True
        )

    def clean_unit(self) -> str:
        return address_part(self.cleaned_data.get("unit", ""), ("单元",), _("单元"), False)

    def clean_room(self) -> str:
        return address_part(self.cleaned_data["room"], ("室", "号"), _("室号"), True)

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict:
        cleaned = super().clean()
        group = cleaned.get("building_group")
        compound = cleaned.get("compound")
        if group and compound and group.compound_id and group.compound_id != compound.pk:
            self.add_error(
                "building_group",
                _("楼组“%(group)s”属于%(compound)s，与所填小区不符。")
                % {"group": group.name, "compound": group.compound.name},
            )
        return cleaned

    def _post_clean(self) -> None:
        # The address uniqueness is a service rule (with a friendlier message); skip the
        # model's own unique checks, which would query once more for the same thing.
        self._validate_unique = False
        super()._post_clean()


class SpecialtiesField(parsing.TextField):
    """Free tags typed as `电脑、理发 量血压` (any Chinese or Latin separator)."""

    def to_python(self, value: str) -> list[str]:
        text = normalize_digits(super().to_python(value) or "")
        tags: list[str] = []
        for tag in _SPECIALTY_SPLIT.split(text):
            if tag and tag not in tags:
                if len(tag) > 20:
                    raise ValidationError(_("每项特长不超过 20 个字：%(tag)s"), params={"tag": tag})
                tags.append(tag)
        return tags

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != list(initial or [])
        except ValidationError:
            return True

    def prepare_value(self, value) -> str:
        if isinstance(value, list | tuple):
            return "、".join(value)
        return value or ""


class MemberForm(parsing.ModelForm):
    specialties = SpecialtiesField(
        label=_("特长"),
        required=False,
        help_text=_("用顿号或空格分隔，如 电脑、理发"),
    )

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "birth_year",
            "relation",
            "phone",
            "specialties",
            "is_party_member",
            "is_in_service_party_member",
            "employer",
            "job_title",
        ]
        widgets = {
            "birth_year": forms.NumberInput(attrs={"placeholder": "1950", "inputmode": "numeric"}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, first: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("请填写姓名。")
        if not first and not self.instance.pk:
            # Only the first person of a household is the head by default; the others'
            # relation is asked for (a second 户主 would be refused on saving).
            relation = self.fields["relation"]
            relation.choices = [("", _("请选择")), *Member.Relation.choices]
            relation.error_messages["required"] = _("请选择与户主关系。")
            self.initial["relation"] = ""

    def clean_name(self) -> str:
        name = re.sub(r"\s+", "", normalize_digits(self.cleaned_data["name"]))
        name = name.replace("．", "·").replace("•", "·")
        if not name:
            raise ValidationError(_("请填写姓名。"))
        if re.search(r"\d", name):
            raise ValidationError(_("姓名里不应有数字。"))
        return name

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and not 1900 <= year <= this_year:
            raise ValidationError(
                _("出生年份应在 1900 到 %(year)s 之间。"), params={"year": this_year}
            )
        return year

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("is_in_service_party_member") and not cleaned.get("is_party_member"):
            self.add_error("is_in_service_party_member", _("在职党员须同时勾选“党员”。"))
        if not cleaned.get("is_in_service_party_member"):
            cleaned["employer"] = ""
            cleaned["job_title"] = ""
        return cleaned


class BaseMemberFormSet(forms.BaseInlineFormSet):
    """Members of one household, edited together. Deleting means 'no longer lives here'."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if not kept:
            raise ValidationError(_("每户至少登记一位居民。"))
        heads = [f for f in kept if f.cleaned_data.get("relation") == Member.Relation.HEAD]
        if len(heads) > 1:
            raise ValidationError(_("一户只能有一位户主。"))
        seen: dict[tuple[str, int | None], int] = {}
        for form in kept:
            key = (form.cleaned_data["name"], form.cleaned_data.get("birth_year"))
            if key in seen:
                form.add_error("name", _("与上面一位居民姓名、出生年份相同，是否重复填写？"))
            seen[key] = 1

    def get_queryset(self):
        return super().get_queryset().filter(is_active=True).order_by("position", "id")

    def get_form_kwargs(self, index: int | None) -> dict:
        # index is None for the empty form that "再加一位成员" copies.
        return {**super().get_form_kwargs(index), "first": index == 0}


MemberFormSet = forms.inlineformset_factory(
    Household,
    Member,
    form=MemberForm,
    formset=BaseMemberFormSet,
    extra=1,
    can_delete=True,
    max_num=30,
    # Never build more forms than that, whatever TOTAL_FORMS says (Django's default would
    # build up to 1,030 forms for a tampered count, a second and a half per request).
    absolute_max=30,
    validate_max=True,
)


class HouseholdFilterForm(forms.Form):
    q = parsing.TextField(
        label=_("查找"),
        required=False,
        max_length=parsing.SEARCH_MAX_LENGTH,
        widget=forms.SearchInput(
            attrs={"placeholder": _("姓名、电话后四位、存折编号或 5-302"), "autocomplete": "off"}
        ),
    )
    compound = parsing.ModelChoiceField(
        label=_("小区"), queryset=Compound.objects.none(), required=False, empty_label=_("全部小区")
    )
    building_group = parsing.ModelChoiceField(
        label=_("楼组"),
        queryset=BuildingGroup.objects.none(),
        required=False,
        empty_label=_("全部楼组"),
    )
    type = parsing.ModelChoiceField(
        label=_("家庭类型"),
        queryset=HouseholdType.objects.none(),
        required=False,
        empty_label=_("全部类型"),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("在册")), ("moved_out", _("已迁出")), ("all", _("全部"))],
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Compound.objects.for_community(community)
        self.fields["building_group"].queryset = BuildingGroup.objects.for_community(community)
        self.fields["type"].queryset = HouseholdType.objects.for_community(community)


class MoveOutForm(forms.Form):
    moved_out_on = parsing.DateField(label=_("迁出日期"), window=parsing.RECENT_DAYS)
