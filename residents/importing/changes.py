"""What an import changes on record, as the preview and the result show it: each field of a
household or member, old → new, in words (户主, 是/否, names rather than ids)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from residents.importing.results import FieldChange
from residents.models import Household, Member
from residents.phones import mask_phone

HOUSEHOLD_ORDER = ("compound", "building", "unit", "room", "building_group", "phone")


def _word(model, attr: str, value: Any, names: dict[int, str] | None = None) -> str:
    field = model._meta.get_field(attr)
    if value is None or value == "" or value == []:
        return _("（空）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "、".join(value)
    if hasattr(value, "name"):
        return value.name
    if names is not None:
        return names.get(value, str(value))
    return str(value)


def change(
    model, attr: str, old: Any, new: Any, *, names=None, phone_key: str = "", held=False
) -> FieldChange:
    old_text, new_text = _word(model, attr, old, names), _word(model, attr, new, names)
    is_phone = attr == "phone"
    return FieldChange(
        label=str(model._meta.get_field(attr).verbose_name),
        old=old_text,
        new=new_text,
        phone_key=phone_key,
        held=held,
        masked_old=mask_phone(old) if is_phone and old else old_text,
        masked_new=mask_phone(new) if is_phone and new else new_text,
    )


def household_changes(
    household: Household,
    fields: dict[str, Any],
    *,
    group_names: dict[int, str],
    phone_key: str = "",
) -> list[FieldChange]:
    found = []
    for attr in HOUSEHOLD_ORDER:
        if attr not in fields:
            continue
        if attr == "compound":
            old: Any = household.compound
        elif attr == "building_group":
            old = household.building_group_id
        else:
            old = getattr(household, attr)
        new = fields[attr]
        if attr == "building_group" and new is not None:
            new = new.pk
        found.append(
            change(
                Household,
                attr,
                old,
                new,
                names=group_names,
                phone_key=phone_key if attr == "phone" else "",
            )
        )
    return found


def types_change(old: set[int], new: set[int], type_names: dict[int, str]) -> FieldChange:
    def words(ids: set[int]) -> str:
        return "、".join(sorted(type_names.get(i, str(i)) for i in ids)) or _("（空）")

    label = str(Household._meta.get_field("types").verbose_name)
    return FieldChange(label, words(old), words(new), masked_old=words(old), masked_new=words(new))


def member_changes(
    member: Member, changes: dict[str, Any], *, phone_key: str = ""
) -> list[FieldChange]:
    return [
        change(
            Member,
            attr,
            getattr(member, attr),
            value,
            phone_key=phone_key if attr == "phone" else "",
        )
        for attr, value in changes.items()
    ]


def held_phone(model, old: str, new: str, key: str) -> FieldChange:
    return change(model, "phone", old, new, phone_key=key, held=True)
