"""The reward catalogue form (兑换物品). Pictures are checked by their first bytes, never by
the name or the type the browser claims, and stored under a name of our own."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from redemption.models import Reward
from redemption.pictures import PICTURE_EXTENSIONS, SNIFF_BYTES, picture_type
from redemption.services import duplicate_name_message
from residents import parsing
from residents.models import Community
from residents.phones import normalize_digits

MAX_PICTURE_BYTES = 2 * 1024 * 1024
MAX_POINT_PRICE = 99_999


def _squeeze(value: str) -> str:
    return re.sub(r"\s+", " ", normalize_digits(value)).strip()


class RewardForm(parsing.ModelForm):
    class Meta:
        model = Reward
        fields = ["name", "unit", "point_price", "cost_yuan", "picture", "note"]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("如 洗手液")}),
            "unit": forms.TextInput(attrs={"placeholder": _("瓶")}),
            "point_price": forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
            "cost_yuan": forms.NumberInput(
                attrs={"inputmode": "decimal", "min": "0", "step": "0.01"}
            ),
            "picture": forms.ClearableFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp"}
            ),
            "note": forms.TextInput(attrs={"placeholder": _("如 500毫升装，品牌不限")}),
        }
        help_texts = {
            "picture": _("可不传。JPG、PNG 或 WebP 图片，不超过 2 MB，兑换柜台上显示。"),
        }

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.instance.community = community
        fields = self.fields
        fields["name"].error_messages["required"] = _("请填写物品名称。")
        fields["unit"].error_messages["required"] = _("请填写单位，如 瓶、袋、斤。")
        fields["point_price"].error_messages.update(
            {
                "required": _("请填写兑换一个单位要扣的积分。"),
                "invalid": _("所需积分请填整数。"),
                "min_value": _("所需积分至少为 1 分。"),
            }
        )
        cost = fields["cost_yuan"]
        cost.error_messages.update(
            {
                "required": _("请填写成本，赠品请填 0。"),
                "invalid": _("成本请填数字，如 8.50。"),
                "min_value": _("成本不能小于 0 元。"),
                "max_decimal_places": _("成本最多填到分，如 8.50。"),
                "max_digits": _("成本太大了，请检查。"),
                "max_whole_digits": _("成本太大了，请检查。"),
            }
        )
        fields["picture"].error_messages.update(
            {
                "empty": _("上传的文件是空的。"),
                "invalid": _("没有收到图片文件，请重新选择。"),
                "missing": _("没有收到图片文件，请重新选择。"),
                "max_length": _("文件名太长，请改短后再上传。"),
                "contradiction": _("请选择新图片，或勾选清除，不要同时做。"),
            }
        )

    def clean_name(self) -> str:
        name = _squeeze(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("请填写物品名称。"))
        same = Reward.objects.filter(community=self.community, name=name)
        if self.instance.pk:
            same = same.exclude(pk=self.instance.pk)
        existing = same.first()
        if existing is not None:
            raise ValidationError(duplicate_name_message(name, retired=not existing.is_active))
        return name

    def clean_unit(self) -> str:
        unit = _squeeze(self.cleaned_data["unit"])
        if not unit:
            raise ValidationError(_("请填写单位，如 瓶、袋、斤。"))
        return unit

    def clean_point_price(self) -> int:
        price = self.cleaned_data["point_price"]
        if price < 1:
            raise ValidationError(_("所需积分至少为 1 分。"))
        if price > MAX_POINT_PRICE:
            raise ValidationError(
                _("所需积分不能超过 %(max)s 分。"), params={"max": MAX_POINT_PRICE}
            )
        return price

    def clean_cost_yuan(self) -> Decimal:
        cost = self.cleaned_data["cost_yuan"]
        if cost < 0:
            raise ValidationError(_("成本不能小于 0 元。"))
        return cost

    def clean_note(self) -> str:
        return _squeeze(self.cleaned_data["note"])

    def clean_picture(self):
        picture = self.cleaned_data["picture"]
        if not isinstance(picture, UploadedFile):
            return picture  # unchanged, or False when the admin ticked "clear"
        if picture.size > MAX_PICTURE_BYTES:
            raise ValidationError(
                _("图片太大（%(size)s MB），请不超过 2 MB。"),
                params={"size": f"{picture.size / 1024 / 1024:.1f}"},
            )
        picture.seek(0)
        content_type = picture_type(picture.read(SNIFF_BYTES))
        picture.seek(0)
        if content_type is None:
            raise ValidationError(_("只能上传 JPG、PNG 或 WebP 图片，这个文件不是。"))
        # Our own name: nothing of the uploader's file name reaches the disk.
        picture.name = f"{uuid.uuid4().hex}.{PICTURE_EXTENSIONS[content_type]}"
        picture.content_type = content_type
        return picture

    def _post_clean(self) -> None:
        self._validate_unique = False  # the name is checked per community in clean_name
        super()._post_clean()
