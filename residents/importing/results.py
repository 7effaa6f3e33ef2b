"""What the import reports: progress events, the refusals, the problems found on rows (and
the recorder that files them under the file's own column names), the table read from the
file, each household's plan, and the check that the preview shows and the import returns."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from residents.importing.columns import COLUMN_BY_KEY, Column, group_name
from residents.models import Compound, Household, Member

# A progress event every this many rows read or checked.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Progress:
    """A step of the work. While reading, the number of rows is not known (total 0)."""

    stage: str  # "read", "check" or "write"
    done: int
    total: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    def describe(self) -> str:
        if self.stage == "read":
            return _("读取文件：已读 %(done)s 行") % {"done": self.done}
        if self.stage == "check":
            return _("核对：%(done)s / %(total)s 行") % {"done": self.done, "total": self.total}
        return _("写入：%(done)s / %(total)s 行") % {"done": self.done, "total": self.total}


class RosterError(Exception):
    """The file cannot be imported at all (too big, unreadable, no header row …)."""

    def __init__(self, message: str, *, rows_read: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        # When reading refused the file: the rows it had read (the rest was never looked at).
        self.rows_read = rows_read


class RosterRejected(RosterError):
    """Rows have errors and the user did not choose to import only the good rows."""

    def __init__(self, check: RosterCheck) -> None:
        super().__init__(
            _("文件里有 %(count)s 处错误，没有导入任何内容。") % {"count": len(check.errors)}
        )
        self.check = check


@dataclass(frozen=True)
class Problem:
    row: int | None  # the row number as Excel shows it
    column: str  # the column's header as written in the file
    message: str
    is_error: bool = True
    # A compound, building group or household type the register lacks (which an admin may
    # have the import create).
    unknown_name: bool = False


@dataclass(frozen=True)
class HeaderCell:
    index: int
    text: str
    column: Column | None
    note: str = ""

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass
class Table:
    file_format: str  # "xlsx" or "csv"
    encoding: str  # CSV only, as shown to the user
    sheet_name: str
    rows: list[tuple[int, list[Any]]]  # non-blank rows: (row number, cells)
    rows_read: int = 0  # rows of the sheet read, blank ones included
    # The first row of the long blank run at which reading stopped (None: read to the end).
    blank_run_from: int | None = None


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # columns with an error

    @property
    def bad(self) -> bool:
        return bool(self.failed)


@dataclass(frozen=True)
class ImportChoices:
    """What the person importing agreed to beyond what an import does by itself: to replace
    phone numbers on record (all of them, or the changes named by their keys), and (admins)
    to create the compounds and household types the file names but the register lacks."""

    replace_phones: bool = False
    phones: frozenset[str] = frozenset()
    create_missing: bool = False

    def may_replace(self, key: str) -> bool:
        return self.replace_phones or key in self.phones


@dataclass(frozen=True)
class FieldChange:
    """One field of a household or member on record that the import changes, old → new,
    as shown. A phone on record that the file replaces has a key (`member-12`,
    `household-3`) to agree to it by; `held` means that was not agreed, so it stays."""

    label: str
    old: str
    new: str
    phone_key: str = ""
    held: bool = False
    masked_old: str = ""
    masked_new: str = ""

    @property
    def phone_kind(self) -> str:
        """ "member" or "household": the name of the input that agrees to this change."""
        return self.phone_key.partition("-")[0]

    @property
    def phone_id(self) -> str:
        return self.phone_key.partition("-")[2]


@dataclass
class MemberChanges:
    """A member of a household on record whom the import adds or changes."""

    name: str
    changes: list[FieldChange] = field(default_factory=list)
    is_new: bool = False


@dataclass
class HouseholdPlan:
    """One household of the file and what importing it does."""

    rows: list[Row]
    address: tuple[Compound, str, str, str] | None = None
    passbook_number: str = ""
    household: Household | None = None  # the household it updates (set for new ones on write)
    is_new: bool = True
    fields: dict[str, Any] = field(default_factory=dict)  # household fields to set
    types: set[int] | None = None  # a new household's types
    add_types: set[int] = field(default_factory=set)
    remove_types: set[int] = field(default_factory=set)
    new_members: list[Member] = field(default_factory=list)
    changed_members: list[tuple[Member, dict[str, Any]]] = field(default_factory=list)
    unchanged_members: int = 0
    missing_members: list[Member] = field(default_factory=list)
    # What changes on record, as shown: the household's fields, then its members'.
    changes: list[FieldChange] = field(default_factory=list)
    member_changes: list[MemberChanges] = field(default_factory=list)

    @property
    def bad(self) -> bool:
        return any(row.bad for row in self.rows)

    @property
    def changed(self) -> bool:
        return bool(
            self.fields
            or self.add_types
            or self.remove_types
            or self.new_members
            or self.changed_members
        )

    @property
    def held_phones(self) -> list[tuple[str, FieldChange]]:
        """(whose, change) of each phone on record the file would replace, not agreed."""
        found = [(_("全户"), c) for c in self.changes if c.held]
        found += [(m.name, c) for m in self.member_changes for c in m.changes if c.held]
        return found

    @property
    def label(self) -> str:
        if self.household is not None and self.household.pk:
            return f"{self.household.passbook_number} {self.household.address}"
        if self.address is not None:
            compound, building, unit, room = self.address
            return _address_text(compound.name, building, unit, room)
        return self.passbook_number


def _address_text(compound: str, building: str, unit: str, room: str) -> str:
    unit_text = f"{unit}单元" if unit else ""
    return f"{compound}{building}号{unit_text}{room}室"


@dataclass
class RosterCheck:
    """Everything the preview shows, and after an import what it did."""

    file_name: str
    file_format: str
    encoding: str
    sheet_name: str
    header_row: int = 0
    header: list[HeaderCell] = field(default_factory=list)
    row_count: int = 0
    rows_read: int = 0  # rows of the file read, blank ones included
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    unknown_compounds: list[tuple[str, int]] = field(default_factory=list)
    unknown_building_groups: list[tuple[str, int]] = field(default_factory=list)
    unknown_household_types: list[tuple[str, int]] = field(default_factory=list)
    # An unknown building group's compound, when all its rows name the same one.
    unknown_group_compounds: dict[str, str] = field(default_factory=dict)
    # What the import created, asked to (ImportChoices.create_missing): (kind, name).
    created: list[tuple[str, str]] = field(default_factory=list)
    plans: list[HouseholdPlan] = field(default_factory=list)
    missing_members: list[tuple[str, str]] = field(default_factory=list)  # (household, name)
    households_new: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    members_new: int = 0
    members_updated: int = 0
    members_unchanged: int = 0
    rows_skipped: int = 0
    households_skipped: int = 0
    saved: bool = False
    seconds: float = 0.0

    @property
    def changed_plans(self) -> list[HouseholdPlan]:
        """Households on record that the import changes (or would, phones agreed); those
        with a phone to agree to first."""
        changed = [
            plan
            for plan in self.plans
            if not plan.bad and not plan.is_new and (plan.changes or plan.member_changes)
        ]
        return sorted(changed, key=lambda plan: not plan.held_phones)

    @property
    def held_phones(self) -> list[tuple[HouseholdPlan, str, FieldChange]]:
        return [
            (plan, whose, change)
            for plan in self.plans
            if not plan.bad
            for whose, change in plan.held_phones
        ]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def errors_unless_created(self) -> int:
        """The errors left once the names the register lacks are created."""
        return sum(1 for p in self.problems if p.is_error and not p.unknown_name)

    @property
    def new_building_groups(self) -> list[tuple[str, int, str]]:
        """(name in the file, rows, name it would be created as: 5 → 5号楼组)."""
        return [(name, rows, group_name(name)) for name, rows in self.unknown_building_groups]

    @property
    def unknown_name_count(self) -> int:
        return (
            len(self.unknown_compounds)
            + len(self.unknown_building_groups)
            + len(self.unknown_household_types)
        )

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def rows_imported(self) -> int:
        return self.row_count - self.rows_skipped

    @property
    def ignored_columns(self) -> list[HeaderCell]:
        return [cell for cell in self.header if cell.column is None]

    @property
    def has_unknown_names(self) -> bool:
        return bool(
            self.unknown_compounds or self.unknown_building_groups or self.unknown_household_types
        )

    def summary(self) -> str:
        """One line: 户：0 新增，0 更新，1530 未变；居民：…"""
        text = _(
            "户：%(hn)s 新增，%(hu)s 更新，%(hs)s 未变；居民：%(mn)s 新增，%(mu)s 更新，%(ms)s 未变"
        ) % {
            "hn": self.households_new,
            "hu": self.households_updated,
            "hs": self.households_unchanged,
            "mn": self.members_new,
            "mu": self.members_updated,
            "ms": self.members_unchanged,
        }
        if self.rows_skipped:
            text += _("；跳过 %(rows)s 行（%(households)s 户）") % {
                "rows": self.rows_skipped,
                "households": self.households_skipped,
            }
        return text


class Problems:
    """Files problems on the check, each under its column as the file's header writes it."""

    def __init__(self, check: RosterCheck, header_text: dict[str, str]) -> None:
        self.check = check
        self.header_text = header_text

    def column_text(self, key: str) -> str:
        return self.header_text.get(key) or str(COLUMN_BY_KEY[key].label)

    def error(self, row: Row, key: str, message: str, *, unknown_name: bool = False) -> None:
        row.failed.add(key)
        problem = Problem(row.number, self.column_text(key), message, unknown_name=unknown_name)
        self.check.problems.append(problem)

    def warn(self, row: Row, key: str, message: str) -> None:
        self.check.problems.append(Problem(row.number, self.column_text(key), message, False))


def drive(steps: Generator[Progress, None, Any], progress: Callable[[Progress], None] | None):
    """Run `steps` to the end, passing each event to `progress`; returns their result."""
    while True:
        try:
            event = next(steps)
        except StopIteration as finished:
            return finished.value
        if progress is not None:
            progress(event)
