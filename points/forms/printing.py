from __future__ import annotations

from django import forms
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy, ngettext

from points.models import PassbookToken
from residents import parsing
from residents.models import BuildingGroup, Community, Household


class PrintGroupForm(forms.Form):
    building_group = parsing.ModelChoiceField(
        label=gettext_lazy("楼组"),
        queryset=BuildingGroup.objects.none(),
        empty_label=gettext_lazy("请选择楼组"),
        error_messages={
            "required": gettext_lazy("请选择要打印的楼组。"),
            "invalid_choice": gettext_lazy("请选择本居民区的楼组。"),
        },
    )
    only_new = forms.BooleanField(
        label=gettext_lazy("只为还没有有效二维码的户生成（已有二维码的户不受影响）"),
        required=False,
    )

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["building_group"]
        field.queryset = (
            BuildingGroup.objects.for_community(community)
            .select_related("compound")
            .annotate(
                active_households=Count(
                    "households", filter=Q(households__status=Household.Status.ACTIVE)
                )
            )
            # 2号楼组 before 10号楼组.
            .order_by("compound__sort_key", "sort_key", "name")
        )
        field.label_from_instance = _group_label

    def households(self):
        """The active households of the chosen group (and, if asked, only those without a
        working QR code), in the order the building group leader walks the stairs."""
        households = (
            self.cleaned_data["building_group"]
            .households.filter(status=Household.Status.ACTIVE)
            .select_related("compound")
        )
        if self.cleaned_data["only_new"]:
            working = PassbookToken.objects.filter(revoked_at__isnull=True)
            households = households.filter(~Exists(working.filter(household=OuterRef("pk"))))
        return households


def _group_label(group: BuildingGroup) -> str:
    count = getattr(group, "active_households", None)
    parts = [group.compound.name] if group.compound else []
    if count is not None:
        parts.append(ngettext("%(count)s 户", "%(count)s 户", count) % {"count": count})
    return f"{group.name}（{' · '.join(parts)}）" if parts else group.name
