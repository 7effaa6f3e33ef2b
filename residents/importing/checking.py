"""Checking a table read from a file: the header's columns, each row's cells, then each
household's plan; everything the preview shows, and what the import writes."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from residents.importing.cells import CellCleaner
from residents.importing.columns import cell_text, is_blank
from residents.importing.planning import HouseholdPlanner
from residents.importing.reading import BLANK_RUN_ROWS, find_header, max_rows, too_many_rows
from residents.importing.results import (
    PROGRESS_EVERY,
    ImportChoices,
    Problems,
    Progress,
    RosterCheck,
    RosterError,
    Row,
    Table,
)
from residents.models import Community, Compound

UNKNOWN_NAME_COLUMNS = ("compound", "building_group", "household_types")


class Checker:
    """Reads the rows against the community's register and plans every household."""

    def __init__(
        self,
        community: Community,
        table: Table,
        file_name: str,
        choices: ImportChoices | None = None,
    ) -> None:
        self.community = community
        self.choices = choices or ImportChoices()
        self.table = table
        self.check = RosterCheck(
            file_name=file_name,
            file_format=table.file_format,
            encoding=table.encoding,
            sheet_name=table.sheet_name,
        )
        self.cells = CellCleaner(community)
        self.default_compound: Compound | None = None
        self.index: dict[str, int] = {}  # column key → its index in a row
        self.header_text: dict[str, str] = {}  # column key → its header in the file
        self.cleaners: dict[str, Callable[[Any], Any]] = {}
        # The compounds named on the rows of each unknown building group.
        self.group_compounds: dict[str, set[str]] = {}
        self.problems = Problems(self.check, self.header_text)

    def run(self) -> Generator[Progress, None, RosterCheck]:
        position, header = find_header(self.table)
        self.check.header_row = self.table.rows[position][0]
        self.check.header = header
        self.index = {cell.column.key: cell.index for cell in header if cell.column}
        self.header_text.update({cell.column.key: cell.text for cell in header if cell.column})
        self.cleaners = self.cells.cleaners(self.index)
        data = self.table.rows[position + 1 :]
        if len(data) > max_rows():  # reading refuses this sooner; merged cells can add rows
            raise too_many_rows(self.table.rows_read)
        self.check.rows_read = self.table.rows_read
        self._file_notices()

        rows: list[Row] = []
        total = len(data)
        for done, (number, cells) in enumerate(data, start=1):
            row = self._read_row(number, cells)
            if row is not None:
                rows.append(row)
            if done % PROGRESS_EVERY == 0 and done < total:
                yield Progress("check", done, total)
        self.check.row_count = len(rows)

        planner = HouseholdPlanner(
            self.community,
            self.problems,
            columns=set(self.index),
            default_compound=self.default_compound,
            choices=self.choices,
            group_names={g.pk: g.name for g in self.cells.building_groups.values()},
            type_names={t.pk: t.name for t in self.cells.household_types.values()},
        )
        plans, loose = planner.group(rows)
        planner.match_households(plans)
        for plan in plans:
            planner.plan(plan)
        planner.count(self.check, plans, loose)
        yield Progress("check", total, total)

        for kind, attr in (
            ("compound", "unknown_compounds"),
            ("building_group", "unknown_building_groups"),
            ("household_types", "unknown_household_types"),
        ):
            setattr(self.check, attr, sorted(self.cells.unknown[kind].items()))
        self.check.unknown_group_compounds = {
            group: next(iter(compounds))
            for group, compounds in self.group_compounds.items()
            if len(compounds) == 1
        }
        if planner.work_dropped:
            self.check.notices.append(
                ngettext(
                    "工作单位、职务只为在职党员登记：有 %(count)s 行填了这两列但不是在职党员，"
                    "这两项没有导入。",
                    "工作单位、职务只为在职党员登记：有 %(count)s 行填了这两列但不是在职党员，"
                    "这两项没有导入。",
                    planner.work_dropped,
                )
                % {"count": planner.work_dropped}
            )
        order = {cell.text: cell.index for cell in header}
        self.check.problems.sort(key=lambda p: (p.row or 0, order.get(p.column, 999)))
        self.check.plans = plans
        return self.check

    def _file_notices(self) -> None:
        keys = set(self.index)
        notices = self.check.notices
        compounds = self.cells.compounds
        if self.table.blank_run_from is not None:
            notices.append(
                ngettext(
                    "从第 %(row)s 行起连续 %(count)s 行是空行，之后的内容没有读取。"
                    "如果下面还有名单，请删去中间的空行后重新上传。",
                    "从第 %(row)s 行起连续 %(count)s 行是空行，之后的内容没有读取。"
                    "如果下面还有名单，请删去中间的空行后重新上传。",
                    BLANK_RUN_ROWS,
                )
                % {"row": self.table.blank_run_from, "count": BLANK_RUN_ROWS}
            )
        if "compound" not in keys and len(compounds) == 1:
            self.default_compound = next(iter(compounds.values()))
            notices.append(
                _("文件没有“小区”列：地址都按本居民区唯一的小区“%(name)s”。")
                % {"name": self.default_compound.name}
            )
        elif "compound" in keys and len(compounds) == 1:
            self.default_compound = next(iter(compounds.values()))
        elif "compound" not in keys and "passbook_number" not in keys:
            raise RosterError(
                ngettext(
                    "表头缺少“小区”列：本居民区有 %(count)s 个小区，每行要写明是哪个小区。",
                    "表头缺少“小区”列：本居民区有 %(count)s 个小区，每行要写明是哪个小区。",
                    len(compounds),
                )
                % {"count": len(compounds)}
            )
        if "phone" in keys and "household_phone" in keys:
            notices.append(
                _("“%(mobile)s”列作为每个人的手机，“%(home)s”列作为全户的联系电话。")
                % {"mobile": self.header_text["phone"], "home": self.header_text["household_phone"]}
            )
        if "relation" not in keys:
            notices.append(
                _(
                    "文件没有“与户主关系”列：新登记的户里第一位居民记为户主，其余记为“其他”；"
                    "已登记居民的关系不变。"
                )
            )

    def _note_group_compound(self, raws: dict[str, Any]) -> None:
        group = cell_text(raws["building_group"]).strip()
        compound = cell_text(raws.get("compound")).strip()
        if not compound and self.default_compound is not None:
            compound = self.default_compound.name
        self.group_compounds.setdefault(group, set()).add(compound)

    def _read_row(self, number: int, cells: list[Any]) -> Row | None:
        raws = {
            key: cells[index] if index < len(cells) else None for key, index in self.index.items()
        }
        if all(is_blank(raw) for raw in raws.values()):
            return None  # e.g. a template row with only its number filled in
        row = Row(number)
        for key, raw in raws.items():
            if is_blank(raw):
                continue
            try:
                value = self.cleaners[key](raw)
            except ValidationError as error:
                # These three cleaners refuse only names the register lacks.
                unknown = key in UNKNOWN_NAME_COLUMNS
                self.problems.error(row, key, " ".join(error.messages), unknown_name=unknown)
                if key == "building_group":
                    self._note_group_compound(raws)
                continue
            if value is not None:
                row.values[key] = value

        values = row.values
        if "name" not in values and "name" not in row.failed:
            self.problems.error(row, "name", _("缺少姓名。"))
        party, in_service = values.get("party"), values.get("in_service")
        if party is not None and in_service is True and party[0] is False:
            self.problems.error(
                row, "in_service", _("在职党员须同时是党员，而“是否党员”填的是“否”。")
            )
        return row
