"""The community settings' forms (admins): compounds, building groups, household types."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from residents import parsing
from residents.forms.named_items import NamedItemForm
from residents.models import BuildingGroup, Community, Compound, Household, HouseholdType, Member


class CompoundForm(NamedItemForm):
    class Meta:
        model = Compound
        fields = ["name"]


class HouseholdTypeForm(NamedItemForm):
    class Meta:
        model = HouseholdType
        fields = ["name", "position"]


class BuildingGroupForm(NamedItemForm):
    class Meta:
        model = BuildingGroup
        fields = ["name", "compound", "leader"]

    def __init__(self, *args, community: Community, **kwargs) -> None:
        super().__init__(*args, community=community, **kwargs)
        self.fields["compound"].queryset = Compound.objects.for_community(community)
        # The leader (楼组长) is someone living in the group: chosen once households are in it.
        self.fields["leader"].queryset = (
            Member.objects.filter(
                community=community,
                is_active=True,
                household__building_group=self.instance.pk or 0,
                household__status=Household.Status.ACTIVE,
            )
            .select_related("household")
            .order_by("household__building", "household__room", "position")
        )
        self.fields["leader"].label_from_instance = lambda m: (
            f"{m.name}（{m.household.short_address}）"
        )
        if not self.instance.pk:
            self.fields["leader"].help_text = _("楼组有住户后，可在修改楼组时选择楼组长。")


class ReviewRuleForm(parsing.ModelForm):
    """Whether a second person must approve what a staff member logged."""

    class Meta:
        model = Community
        fields = ["review_by_another"]
