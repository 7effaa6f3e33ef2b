"""The contest's forms: opening a year's contest (街道 admin), entering a building group
(community admin: plan and one or two photos, checked by their own bytes), rating."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from redemption.pictures import PICTURE_EXTENSIONS, SNIFF_BYTES, picture_type
from residents import parsing
from residents.models import BuildingGroup, Community
from residents.stars import MAX_STARS, STAR_WORDS
from subdistrict.models import KIND_CHOICES, MEASURE_CHOICES, StarContest, StarEntry

MAX_PHOTO_BYTES = 3 * 1024 * 1024


class ContestForm(forms.Form):
    year = parsing.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = parsing.TextField(label=_("名称"), max_length=60)
    kinds = forms.MultipleChoiceField(
        label=_("类别"), choices=KIND_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    measures = forms.MultipleChoiceField(
        label=_("参考数据"),
        choices=MEASURE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("申报的楼组旁自动填上系统里已有的这些数字。"),
    )
    criteria = parsing.TextField(
        label=_("评选标准"), max_length=2000, multiline=True, widget=forms.Textarea
    )

    def __init__(self, *args, today: datetime.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = today.year
        self.fields["kinds"].initial = [k for k, _label in KIND_CHOICES]
        self.fields["measures"].initial = [m for m, _label in MEASURE_CHOICES]


def _photo(upload) -> UploadedFile | None:
    if not isinstance(upload, UploadedFile):
        return None
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("照片太大（%(size)s MB），请不超过 3 MB。"),
            params={"size": f"{upload.size / 1024 / 1024:.1f}"},
        )
    upload.seek(0)
    content_type = picture_type(upload.read(SNIFF_BYTES))
    upload.seek(0)
    if content_type is None:
        raise ValidationError(_("只能上传 JPG、PNG 或 WebP 图片，这个文件不是。"))
    # Our own name: nothing of the uploader's file name reaches the disk.
    upload.name = f"{uuid.uuid4().hex}.{PICTURE_EXTENSIONS[content_type]}"
    return upload


class EntryForm(forms.Form):
    building_group = parsing.ModelChoiceField(
        label=_("楼组"), queryset=BuildingGroup.objects.none()
    )
    kind = forms.ChoiceField(label=_("类别"))
    plan = parsing.TextField(
        label=_("创建方案"), max_length=2000, multiline=True, widget=forms.Textarea
    )
    photo = forms.FileField(label=_("照片"), help_text=_("JPG、PNG 或 WebP，不超过 3 MB。"))
    photo_2 = forms.FileField(label=_("第二张照片（可选）"), required=False)

    def __init__(self, *args, community: Community, contest: StarContest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        entered = StarEntry.objects.filter(contest=contest, community=community).values(
            "building_group_id"
        )
        self.fields["building_group"].queryset = (
            BuildingGroup.objects.filter(community=community)
            .exclude(pk__in=entered)
            .select_related("compound")
            .order_by("compound__name", "name")
        )
        names = dict(KIND_CHOICES)
        self.fields["kind"].choices = [(k, names[k]) for k in contest.kinds if k in names]

    def clean_photo(self):
        photo = _photo(self.cleaned_data.get("photo"))
        if photo is None:
            raise ValidationError(_("请上传至少一张照片。"))
        return photo

    def clean_photo_2(self):
        return _photo(self.cleaned_data.get("photo_2"))


STAR_CHOICES = [("", _("不评星"))] + [(str(n), STAR_WORDS[n]) for n in range(1, MAX_STARS + 1)]


class RatingForm(forms.Form):
    """One choice per entry: no star, or one to three."""

    def __init__(self, *args, entries: list[StarEntry], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entries = entries
        for entry in entries:
            self.fields[f"stars_{entry.pk}"] = forms.TypedChoiceField(
                label=entry.building_group.name,
                choices=STAR_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial="" if entry.stars is None else str(entry.stars),
            )

    def stars(self) -> dict[int, int | None]:
        return {entry.pk: self.cleaned_data[f"stars_{entry.pk}"] for entry in self.entries}

    def field_for(self, entry: StarEntry):
        return self[f"stars_{entry.pk}"]
