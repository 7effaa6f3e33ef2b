"""Creating the compounds, building groups and household types a roster names but the
register lacks, when the person importing asked for it (a committee starting out imports
its whole roster before it has set anything up). Runs inside the import's transaction,
before the file is checked again against the register with the new names in it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _

from residents import parsing
from residents.importing.columns import group_name, name_key
from residents.importing.results import RosterCheck
from residents.models import BuildingGroup, Community, Compound, HouseholdType


def _creatable(name: str, model) -> bool:
    """A name fit to be saved: within the column's length, no control characters."""
    try:
        parsing.check_characters(name)
    except ValidationError:
        return False
    return 0 < len(name) <= model._meta.get_field("name").max_length


def _new_names(names: list[tuple[str, int]], model, existing: set[str]) -> list[str]:
    found = []
    for name, _rows in names:
        key = name_key(name)
        if key not in existing and _creatable(name, model):
            existing.add(key)
            found.append(name)
    return found


def create_missing(community: Community, check: RosterCheck) -> list[tuple[str, str]]:
    """Create what the check found missing; returns (kind, name) of each row created."""
    created: list[tuple[str, str]] = []
    known = {name_key(c.name) for c in Compound.objects.for_community(community)}
    for name in _new_names(check.unknown_compounds, Compound, known):
        Compound.objects.create(community=community, name=name)
        created.append((_("小区"), name))
    by_key = {name_key(c.name): c for c in Compound.objects.for_community(community)}

    known = {name_key(g.name) for g in BuildingGroup.objects.for_community(community)}
    groups = [(group_name(name), rows) for name, rows in check.unknown_building_groups]
    compound_of = {
        group_name(name): by_key.get(name_key(compound))
        for name, compound in check.unknown_group_compounds.items()
    }
    for name in _new_names(groups, BuildingGroup, known):
        BuildingGroup.objects.create(community=community, name=name, compound=compound_of.get(name))
        created.append((_("楼组"), name))

    known = {name_key(t.name) for t in HouseholdType.objects.for_community(community)}
    last = HouseholdType.objects.for_community(community).aggregate(last=Max("position"))
    next_position = (last["last"] or 0) + 1
    names = _new_names(check.unknown_household_types, HouseholdType, known)
    for offset, name in enumerate(names, start=next_position):
        HouseholdType.objects.create(community=community, name=name, position=offset)
        created.append((_("家庭类型"), name))
    return created
