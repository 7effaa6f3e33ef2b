"""Reading one cell of a roster row as what it means, against the community's register:
each `clean_<column>` returns the value, None for "nothing said", or raises a
ValidationError with the message for the row. Names of compounds, building groups and
household types the register does not have are counted for the preview."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The address rules and the specialties splitting are the register form's own, so an
# imported household is held to exactly what staff could have typed.
from residents.forms.households import SpecialtiesField, address_part
from residents.importing.columns import (
    COLUMN_BY_KEY,
    GENDERS,
    NO,
    PARTY_VALUES,
    RELATIONS,
    YES,
    cell_text,
    name_key,
)
from residents.models import BuildingGroup, Community, Compound, HouseholdType
from residents.phones import normalize_phone

_SPECIALTIES = SpecialtiesField(required=False)


def _error(message: str, **params: Any) -> ValidationError:
    return ValidationError(message % params if params else message)


class CellCleaner:
    """The cleaners of one community's roster, with its register's names."""

    def __init__(self, community: Community) -> None:
        self.community = community
        self.compounds = {name_key(c.name): c for c in Compound.objects.for_community(community)}
        self.building_groups = {
            name_key(g.name): g
            for g in BuildingGroup.objects.for_community(community).select_related("compound")
        }
        self.household_types = {
            name_key(t.name): t for t in HouseholdType.objects.for_community(community)
        }
        self.unknown: dict[str, Counter] = {
            "compound": Counter(),
            "building_group": Counter(),
            "household_types": Counter(),
        }
        self.today = timezone.localdate()

    def cleaners(self, keys: Iterable[str]) -> dict[str, Callable[[Any], Any]]:
        """The cleaner of each of these columns."""
        return {key: getattr(self, f"clean_{key}") for key in keys}

    # Cleaning one cell. Each returns the value, None for "nothing said", or raises.

    def clean_name(self, raw: Any) -> str:
        name = re.sub(r"\s+", "", cell_text(raw)).replace("．", "·").replace("•", "·")
        if re.search(r"\d", name):
            raise _error(_("姓名里不应有数字（现为“%(value)s”）。"), value=name)
        if len(name) > 50:
            raise _error(_("姓名太长（不超过 50 个字）。"))
        return name

    def clean_gender(self, raw: Any) -> str:
        text = cell_text(raw).strip().lower()
        if text not in GENDERS:
            raise _error(_("性别只填“男”或“女”（现为“%(value)s”）。"), value=cell_text(raw))
        return GENDERS[text]

    def clean_birth(self, raw: Any) -> int:
        if isinstance(raw, datetime.datetime | datetime.date):
            day = raw.date() if isinstance(raw, datetime.datetime) else raw
            return self._birth_year(day.year, day)
        text = cell_text(raw).strip()
        if re.match(r"^\d{4}-\d{1,2}-\d{1,2}[\sT]", text):  # 1950-03-01 00:00:00
            text = re.split(r"[\sT]", text)[0]
        text = re.sub(r"\s+", "", text)
        patterns = (
            r"(?P<y>\d{4})年?",
            r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})月?",
            r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?",
            r"(?P<y>\d{4})(?P<m>\d{2})",
            r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
        )
        for pattern in patterns:
            match = re.fullmatch(pattern, text)
            if match:
                break
        else:
            raise _error(
                _("出生年份或日期无法识别（现为“%(value)s”），可写 1950 或 1950-03-01。"),
                value=cell_text(raw),
            )
        year = int(match["y"])
        month, day = match.groupdict().get("m"), match.groupdict().get("d")
        try:
            date = datetime.date(year, int(month or 1), int(day or 1))
        except ValueError as exc:
            raise _error(_("出生日期无效（现为“%(value)s”）。"), value=cell_text(raw)) from exc
        return self._birth_year(year, date if day else None)

    def _birth_year(self, year: int, date: datetime.date | None) -> int:
        if not 1900 <= year <= self.today.year or (date is not None and date > self.today):
            raise _error(
                _("出生年份应在 1900 到 %(year)s 之间（现为 %(value)s）。"),
                year=self.today.year,
                value=date.isoformat() if date else year,
            )
        return year

    def clean_phone(self, raw: Any) -> str | None:
        text = cell_text(raw)
        if re.search(r"\d\.\d+e\+?\d+", text, re.IGNORECASE):
            raise _error(
                _(
                    "电话号码被 Excel 写成了科学计数法（%(value)s），位数已丢失："
                    "请把这一列设为“文本”，重新填写号码。"
                ),
                value=text,
            )
        return normalize_phone(text) or None

    clean_household_phone = clean_phone

    def clean_compound(self, raw: Any) -> Compound:
        name = cell_text(raw).strip()
        compound = self.compounds.get(name_key(name))
        if compound is None:
            self.unknown["compound"][name] += 1
            raise _error(_("本居民区没有小区“%(name)s”。"), name=name)
        return compound

    def _address_part(self, raw: Any, suffixes: tuple[str, ...], key: str) -> str | None:
        # The lazy label is only turned into text if there is an error to show.
        label = COLUMN_BY_KEY[key].label
        return address_part(cell_text(raw), suffixes, label, required=False) or None

    def clean_building(self, raw: Any) -> str | None:
        return self._address_part(raw, ("号楼", "号", "栋", "幢"), "building")

    def clean_unit(self, raw: Any) -> str | None:
        return self._address_part(raw, ("单元",), "unit")

    def clean_room(self, raw: Any) -> str | None:
        return self._address_part(raw, ("室", "号"), "room")

    def clean_building_group(self, raw: Any) -> BuildingGroup:
        name = cell_text(raw).strip()
        key = name_key(name)
        for candidate in (key, f"{key}楼组", f"{key}号楼组"):
            if candidate in self.building_groups:
                return self.building_groups[candidate]
        self.unknown["building_group"][name] += 1
        raise _error(_("本居民区没有楼组“%(name)s”。"), name=name)

    def clean_household_types(self, raw: Any) -> list[HouseholdType] | None:
        found, unknown = [], []
        for name in re.split(r"[,，、;；/\s]+", cell_text(raw)):
            if not name:
                continue
            kind = self.household_types.get(name_key(name))
            if kind is None:
                unknown.append(name)
            elif kind not in found:
                found.append(kind)
        if unknown:
            for name in unknown:
                self.unknown["household_types"][name] += 1
            raise _error(_("本居民区没有家庭类型“%(names)s”。"), names="”“".join(unknown))
        return found or None

    def clean_passbook_number(self, raw: Any) -> str:
        text = re.sub(r"[\s\-_]+", "", cell_text(raw)).upper()
        match = re.fullmatch(r"([A-Z]{1,6})(\d{1,8})", text)
        prefix = self.community.passbook_prefix
        if match is None or match[1] != prefix:
            raise _error(
                _("存折编号应形如 %(prefix)s-00123（现为“%(value)s”）。"),
                prefix=prefix,
                value=cell_text(raw),
            )
        return f"{prefix}-{int(match[2]):05d}"

    def clean_specialties(self, raw: Any) -> list[str] | None:
        return _SPECIALTIES.clean(cell_text(raw)) or None

    def clean_party(self, raw: Any) -> tuple[bool, bool | None]:
        text = re.sub(r"\s+", "", cell_text(raw)).lower()
        if text not in PARTY_VALUES:
            raise _error(
                _("是否党员填“是”或“否”（也可写“中共党员”“群众”），现为“%(value)s”。"),
                value=cell_text(raw),
            )
        return PARTY_VALUES[text]

    def clean_in_service(self, raw: Any) -> bool:
        text = re.sub(r"\s+", "", cell_text(raw)).lower()
        if text in YES or text == "在职党员":
            return True
        if text in NO:
            return False
        raise _error(_("在职党员填“是”或“否”（现为“%(value)s”）。"), value=cell_text(raw))

    def clean_relation(self, raw: Any) -> str:
        text = re.sub(r"\s+", "", cell_text(raw))
        return RELATIONS.get(text, text)  # unknown words are warned about in _plan

    def _short_text(self, raw: Any, limit: int) -> str:
        text = re.sub(r"\s+", " ", cell_text(raw)).strip()
        if len(text) > limit:
            raise _error(
                ngettext(
                    "不超过 %(limit)s 个字（现为 %(count)s 个）。",
                    "不超过 %(limit)s 个字（现为 %(count)s 个）。",
                    limit,
                ),
                limit=limit,
                count=len(text),
            )
        return text

    def clean_employer(self, raw: Any) -> str:
        return self._short_text(raw, 100)

    def clean_job_title(self, raw: Any) -> str:
        return self._short_text(raw, 50)
