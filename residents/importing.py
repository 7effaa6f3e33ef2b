"""Importing the household roster (住户名册) from Excel (.xlsx) or CSV.

One row per person; rows with the same address (小区 + 楼号 + 单元 + 室号) form a household,
and a 存折编号 column, when the file has one, finds an existing household too. Every row is
read and checked before anything is written. The writes are set-based (bulk_create, COPY
and one UPDATE per chunk of about 1,000 rows) inside one transaction, so 10,000 rows take
seconds and an error leaves nothing behind.

The work runs as generators that yield `Progress` events, so that callers can report
progress while it runs: the command prints them to stderr and the staff page streams them
to the browser. `check_roster()` and `import_roster()` drive the generators for callers
that only want the result. No views here.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import itertools
import re
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from residents import spreadsheets

# The address rules and the specialties splitting are the register form's own, so an
# imported household is held to exactly what staff could have typed.
from residents.forms.households import SpecialtiesField, address_part
from residents.models import (
    BuildingGroup,
    Community,
    Compound,
    Household,
    HouseholdType,
    ImportUpload,
    Member,
)
from residents.phones import normalize_digits, normalize_phone
from residents.services import next_passbook_numbers

MAX_BYTES = 5 * 1024 * 1024
# The header row may sit under a title row or two ("山鑫阳光城居民花名册").
HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 60
PROGRESS_EVERY = 1000
CHUNK_ROWS = 1000
UPDATE_BATCH = 2000

# Bounds on reading, so that any file under MAX_BYTES is answered within seconds (a 213 KB
# .xlsx can hold 1.5 million blank rows, a 1.5 MB one a gigabyte of XML). Measured on a
# 2-core machine: openpyxl reads about 10 µs per cell; on opening it parses a sheet without
# a size record whole (about 1 µs per XML tag), the shared strings whole (2 µs per tag) and
# the styles whole (25 µs per tag).
# Reading stops after this many blank rows in a row: nothing a roster needs lies beyond.
BLANK_RUN_ROWS = 1000
# Cells read (rows as wide as their last cell), per data row allowed: 20 columns on average.
CELLS_PER_ROW = 20
# An .xlsx is a zip: what its members may unpack to, looked at before anything is opened.
MAX_ZIP_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 32 * 1024 * 1024
# XML tags in all its parts: rows, cells, values and plain text cost openpyxl about 1 µs a
# tag; any other element (styles, rich-text runs, column settings …) 25 µs or more.
MAX_XML_TAGS = 3_000_000
MAX_COSTLY_TAGS = 60_000


def max_rows() -> int:
    """Data rows a file may have (IMPORT_MAX_ROWS, 20,000 unless configured)."""
    return settings.IMPORT_MAX_ROWS


def max_cells() -> int:
    return (max_rows() + HEADER_SCAN_ROWS + 1) * CELLS_PER_ROW


Head = Member.Relation.HEAD
# What the template offers in its drop-down (the data format is Chinese in any language).
RELATION_CHOICES = ("户主", "配偶", "子女", "儿媳/女婿", "父母", "孙子女", "兄弟姐妹", "其他")


# -- What the file's columns mean -----------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    headers: tuple[str, ...]


COLUMNS = (
    Column(
        "compound", gettext_lazy("小区"), ("小区", "小区名称", "小区名", "所在小区", "所属小区")
    ),
    Column(
        "building",
        gettext_lazy("楼号"),
        ("楼号", "楼栋", "楼栋号", "楼幢", "楼幢号", "栋号", "幢号", "栋", "幢", "号楼"),
    ),
    Column("unit", gettext_lazy("单元"), ("单元", "单元号")),
    Column("room", gettext_lazy("室号"), ("室号", "房号", "房间号", "室", "门牌号", "户室号")),
    Column("building_group", gettext_lazy("楼组"), ("楼组", "楼组名称", "所属楼组", "所在楼组")),
    Column(
        "household_types",
        gettext_lazy("家庭类型"),
        ("家庭类型", "户类型", "家庭类别", "家庭情况", "家庭性质"),
    ),
    Column("passbook_number", gettext_lazy("存折编号"), ("存折编号", "存折号", "存折号码")),
    Column(
        "household_phone",
        gettext_lazy("家庭电话"),
        ("家庭电话", "住宅电话", "住宅号码", "宅电", "固定电话", "座机", "户电话"),
    ),
    Column("name", gettext_lazy("姓名"), ("姓名", "名字", "居民姓名", "成员姓名", "人员姓名")),
    Column("gender", gettext_lazy("性别"), ("性别",)),
    Column(
        "birth",
        gettext_lazy("出生年份"),
        ("出生年份", "出生年", "出生日期", "出生年月", "出生年月日", "生日"),
    ),
    Column(
        "phone",
        gettext_lazy("手机"),
        ("手机", "手机号", "手机号码", "移动电话", "个人电话", "本人电话", "本人手机"),
    ),
    Column(
        "relation",
        gettext_lazy("与户主关系"),
        ("与户主关系", "与户主的关系", "户主关系", "家庭关系", "关系"),
    ),
    Column("party", gettext_lazy("是否党员"), ("是否党员", "党员", "政治面貌")),
    Column("in_service", gettext_lazy("在职党员"), ("在职党员", "是否在职党员")),
    Column("employer", gettext_lazy("工作单位"), ("工作单位", "单位", "单位名称", "工作单位名称")),
    Column("job_title", gettext_lazy("职务"), ("职务", "职位")),
    Column(
        "specialties",
        gettext_lazy("特长"),
        ("特长", "专长", "技能", "特长爱好", "爱好特长", "兴趣特长"),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# "电话" alone is the person's phone, unless the file also has a mobile column: then it is
# the household's (landline) number.
AMBIGUOUS_PHONE_HEADERS = ("电话", "联系电话", "电话号码", "联系方式", "联系号码", "号码")
_AMBIGUOUS = "phone-or-household-phone"

# The template's headers, in order (the data format: always Chinese).
TEMPLATE_HEADERS = (
    "小区",
    "楼号",
    "单元",
    "室号",
    "楼组",
    "家庭类型",
    "家庭电话",
    "姓名",
    "性别",
    "出生年份",
    "与户主关系",
    "手机",
    "是否党员",
    "在职党员",
    "工作单位",
    "职务",
    "特长",
)


def _header_key(text: str) -> str:
    """手机号码（必填） and "* 手机号码 :" both become 手机号码."""
    key = normalize_digits(text)
    key = re.sub(r"[(\[【〔].*?[)\]】〕]", "", key)
    return re.sub(r"[\s*:]+", "", key).lower()


_HEADER_FIELDS = {_header_key(h): column.key for column in COLUMNS for h in column.headers}
_HEADER_FIELDS.update({_header_key(h): _AMBIGUOUS for h in AMBIGUOUS_PHONE_HEADERS})


def _header_field(text: str) -> str | None:
    key = _header_key(text)
    if key in _HEADER_FIELDS:
        return _HEADER_FIELDS[key]
    # "手机/电话" or "楼号、栋": the first part that means something.
    for part in re.split(r"[/、|,]", key):
        if part in _HEADER_FIELDS:
            return _HEADER_FIELDS[part]
    return None


# -- Values -----------------------------------------------------------------------------

GENDERS = {
    "男": Member.Gender.MALE,
    "男性": Member.Gender.MALE,
    "m": Member.Gender.MALE,
    "male": Member.Gender.MALE,
    "女": Member.Gender.FEMALE,
    "女性": Member.Gender.FEMALE,
    "f": Member.Gender.FEMALE,
    "female": Member.Gender.FEMALE,
}
R = Member.Relation
RELATION_VALUES = frozenset(R.values)
RELATIONS = {
    **dict.fromkeys(("户主", "本人", "户主本人"), R.HEAD),
    **dict.fromkeys(("配偶", "妻", "妻子", "夫", "丈夫", "爱人", "老伴"), R.SPOUSE),
    **dict.fromkeys(
        ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "三子", "长女", "次女", "三女"),
        R.CHILD,
    ),
    **dict.fromkeys(("儿媳", "女婿", "儿媳妇", "儿媳/女婿", "媳妇"), R.CHILD_IN_LAW),
    **dict.fromkeys(("父母", "父亲", "母亲", "父", "母", "岳父", "岳母", "公公", "婆婆"), R.PARENT),
    **dict.fromkeys(("孙子女", "孙子", "孙女", "外孙", "外孙女", "孙", "孙辈"), R.GRANDCHILD),
    **dict.fromkeys(
        ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹"),
        R.SIBLING,
    ),
    **dict.fromkeys(("其他", "其它"), R.OTHER),
}
_YES = {"是", "y", "yes", "1", "true", "√", "✓", "✔", "有", "对"}
_NO = {"否", "n", "no", "0", "false", "×", "✗", "✘", "x", "无", "不是", "非"}
# 是否党员 / 政治面貌: (is a Party member, is an in-service Party member or None if not said).
PARTY_VALUES = {
    **{value: (True, None) for value in _YES},
    **{value: (False, None) for value in _NO},
    **dict.fromkeys(
        ("党员", "中共党员", "共产党员", "正式党员", "预备党员", "中共预备党员"), (True, None)
    ),
    "在职党员": (True, True),
    **dict.fromkeys(
        (
            "群众",
            "非党员",
            "共青团员",
            "团员",
            "民主党派",
            "无党派",
            "无党派人士",
            "无党派民主人士",
        ),
        (False, None),
    ),
}


_SPECIALTIES = SpecialtiesField(required=False)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A cell as text: 5.0 → "5" (Excel stores numbers as floats), full-width → ASCII."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return normalize_digits(str(value))


def _name_key(name: str) -> str:
    """How compound, building group and household type names are compared."""
    return re.sub(r"\s+", "", normalize_digits(name)).casefold()


def _error(message: str, **params: Any) -> ValidationError:
    return ValidationError(message % params if params else message)


# -- Results ------------------------------------------------------------------------------


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
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)  # columns with an error

    @property
    def bad(self) -> bool:
        return bool(self.failed)


@dataclass
class HouseholdPlan:
    """One household of the file and what importing it does."""

    rows: list[_Row]
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
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

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


# -- Reading the file -------------------------------------------------------------------


def _file_kind(content: bytes, file_name: str) -> str:
    name = file_name.lower()
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(
            _("这是旧版 Excel（.xls）文件。请在 Excel 里“另存为” .xlsx 或 CSV 后再导入。")
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise RosterError(_("文件扩展名是 .xlsx，但内容不是 Excel 文件，请重新保存后再试。"))
    return "csv"


def _decode(content: bytes) -> tuple[str, str]:
    """Excel in China saves CSV as GBK (GB18030) unless told "CSV UTF-8"; both are fine."""
    if content.startswith(codecs.BOM_UTF8):
        encoding, label, body = "utf-8", _("UTF-8（带 BOM）"), content[len(codecs.BOM_UTF8) :]
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, label, body = "utf-16", "UTF-16", content
    else:
        try:
            return content.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            encoding, label, body = "gb18030", "GBK/GB18030", content
    try:
        return body.decode(encoding), label
    except UnicodeDecodeError as exc:
        raise RosterError(
            _("无法识别文件的编码。请在 Excel 里“另存为”“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入。")
        ) from exc


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    counts = {d: sample.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _too_many_rows(rows_read: int) -> RosterError:
    return RosterError(
        _("文件超过 %(max)s 行，没有导入。请分成几个文件，每个不超过 %(max)s 行。")
        % {"max": max_rows()},
        rows_read=rows_read,
    )


def _collect(rows: Iterable[Sequence[Any]]) -> Generator[Progress, None, Table]:
    """The non-blank rows of a sheet, read within bounds: refused as soon as there are more
    data rows than allowed (after the header, or after the rows where a header could be) or
    more cells than CELLS_PER_ROW allow on average; stopped at BLANK_RUN_ROWS blank rows in
    a row. Never more work than about max_cells() cells, whatever the file holds."""
    limit, cell_limit = max_rows(), max_cells()
    found: list[tuple[int, list[Any]]] = []
    header_at: int | None = None  # position in `found` of the first row that looks like one
    cells_read = blank_run = number = 0
    for number, cells in enumerate(rows, start=1):
        cells_read += len(cells)
        if cells_read > cell_limit:
            raise RosterError(
                _(
                    "文件的单元格太多（超过 %(cells)s 个）：没有导入。"
                    "请删去不导入的列和表格右侧、下方多余的内容，或分成几个文件导入。"
                )
                % {"cells": cell_limit},
                rows_read=number,
            )
        if any(not _is_blank(cell) for cell in cells):
            blank_run = 0
            if header_at is None and len(found) < HEADER_SCAN_ROWS and _has_header(cells):
                header_at = len(found)
            found.append((number, list(cells[:MAX_COLUMNS])))
            data_rows = len(found) - (header_at + 1 if header_at is not None else HEADER_SCAN_ROWS)
            if data_rows > limit:
                raise _too_many_rows(number)
        else:
            blank_run += 1
            if blank_run >= BLANK_RUN_ROWS:
                return Table("", "", "", found, number, number - blank_run + 1)
        if number % PROGRESS_EVERY == 0:
            yield Progress("read", number)
    return Table("", "", "", found, number)


def _read_csv(content: bytes) -> Generator[Progress, None, Table]:
    text, encoding = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        table = yield from _collect(reader)
    except csv.Error as exc:
        raise RosterError(
            _("CSV 文件格式有误（第 %(row)s 行附近）：%(error)s")
            % {"row": reader.line_num, "error": exc}
        ) from exc
    table.file_format, table.encoding = "csv", encoding
    return table


def _too_big_to_open() -> RosterError:
    return RosterError(
        _(
            "这个 Excel 文件解压后的内容太多或格式太复杂，没有打开。名册用不到这么多："
            "请只保留名册那一张表，删去多余的行、列、格式和图片，或另存为 CSV 后再导入。"
        )
    )


_ROOT = re.compile(rb"<(?![?!])([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def _tags(xml: bytes, prefix: bytes) -> tuple[int, int]:
    """(all tags, costly tags) of an XML part, counted in C without parsing it: rows, cells,
    values, formulas and plain text are cheap for openpyxl, anything else is not."""
    p = prefix
    opening = (b"row ", b"row>", b"row/", b"c ", b"c>", b"c/")
    cheap = sum(xml.count(b"<" + p + name) for name in opening)
    cheap += sum(xml.count(b"</" + p + name + b">") for name in (b"row", b"c"))
    cheap += 2 * sum(
        xml.count(b"</" + p + name + b">") for name in (b"v", b"f", b"t", b"is", b"si")
    )
    total = xml.count(b"<")
    return total, max(total - cheap, 0)


def _with_dimension(sheet: bytes, prefix: bytes) -> bytes:
    """The sheet with a size record ahead of its rows. Without one openpyxl parses the whole
    sheet on opening just to learn its size (3 s for 1.5 million blank rows), which we never
    use: the reader resets it and reads rows until it has what it needs."""
    data_at = sheet.find(b"sheetData")
    if data_at == -1 or b"dimension" in sheet[:data_at]:
        return sheet
    tag_at = sheet.rfind(b"<", 0, data_at)
    return sheet[:tag_at] + b"<" + prefix + b'dimension ref="A1"/>' + sheet[tag_at:]


def _checked_archive(content: bytes) -> bytes:
    """Refuse an .xlsx whose parts would take too long to parse, before openpyxl opens it:
    by the sizes its zip directory declares (Python's zipfile never unpacks more than a
    member's declared size: a member that is longer fails its checksum), then by the XML
    tags in its parts — every part, whatever it is called. Returns the file to open: the
    same, or rewritten (uncompressed) when a sheet lacks a size record."""
    total = costly = 0
    parts: list[tuple[zipfile.ZipInfo, bytes]] = []
    rewritten = False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if (
                len(members) > MAX_ZIP_MEMBERS
                or sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES
            ):
                raise _too_big_to_open()
            for member in members:
                xml = archive.read(member)
                root = _ROOT.search(xml[:4096])
                prefix = (root.group(1) or b"") if root else b""
                tags, costly_tags = _tags(xml, prefix)
                total, costly = total + tags, costly + costly_tags
                if root and root.group(2) == b"worksheet":
                    sized = _with_dimension(xml, prefix)
                    rewritten, xml = rewritten or sized is not xml, sized
                parts.append((member, xml))
    except RosterError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError) as exc:
        # Damaged, encrypted or compressed in a way zipfile does not know.
        raise RosterError(
            _("无法打开这个 Excel 文件。请确认它是 .xlsx 格式，或另存为 CSV 后再导入。")
        ) from exc
    if total > MAX_XML_TAGS or costly > MAX_COSTLY_TAGS:
        raise _too_big_to_open()
    if not rewritten:
        return content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for member, xml in parts:
            archive.writestr(member.filename, xml)
    return out.getvalue()


def _merged_ranges(content: bytes, sheet) -> list[tuple[int, int, int, int]]:
    """Merged cells (an address merged down a household's rows) from the sheet's XML; the
    read-only reader, which is fast, does not report them. The XML is within
    MAX_UNCOMPRESSED_BYTES (checked before opening)."""
    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read(path)
    refs = re.findall(rb'<(?:\w+:)?mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml)
    return [range_boundaries(ref.decode()) for ref in refs]


def _has_header(cells: Sequence[Any]) -> bool:
    keys = {_header_field(_text(cell)) for cell in cells if not _is_blank(cell)}
    keys.discard(None)
    return "name" in keys and len(keys) >= 2


def _read_xlsx(content: bytes) -> Generator[Progress, None, Table]:
    content = _checked_archive(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        raise RosterError(
            _("无法打开这个 Excel 文件。请确认它是 .xlsx 格式，或另存为 CSV 后再导入。")
        ) from exc
    try:
        # The first sheet with a header row (a template's notes sheet comes after it).
        sheet = workbook.worksheets[0]
        for candidate in workbook.worksheets:
            candidate.reset_dimensions()
            top = candidate.iter_rows(values_only=True, max_row=HEADER_SCAN_ROWS, max_col=40)
            if any(_has_header(list(cells)) for cells in top):
                sheet = candidate
                break
        sheet.reset_dimensions()  # some programs write a wrong size into the file
        # Rows come as wide as their last cell (padding them all is slower).
        table = yield from _collect(sheet.iter_rows(values_only=True))
        merged = _merged_ranges(content, sheet) if table.rows else []
        sheet_name = sheet.title
    except RosterError:
        raise
    except Exception as exc:  # a damaged sheet fails only once we read it
        raise RosterError(
            _("Excel 文件已损坏或格式不受支持，请重新保存为 .xlsx 或 CSV 后再导入。")
        ) from exc
    finally:
        workbook.close()

    cells_by_row = dict(table.rows)
    last_row = max(cells_by_row, default=0)
    for min_col, min_row, max_col, max_row in merged:
        anchor = cells_by_row.get(min_row)
        if anchor is None or min_col > len(anchor) or _is_blank(anchor[min_col - 1]):
            continue
        value = anchor[min_col - 1]
        last_col = min(max_col, MAX_COLUMNS)
        for number in range(min_row, min(max_row, last_row) + 1):
            cells = cells_by_row.setdefault(number, [])
            cells.extend([None] * (last_col - len(cells)))
            for col in range(min_col, last_col + 1):
                cells[col - 1] = value
    table.rows = sorted(cells_by_row.items())
    table.file_format, table.sheet_name = "xlsx", sheet_name
    return table


def check_size(size: int) -> None:
    """Refuse a file over MAX_BYTES before reading it."""
    if size > MAX_BYTES:
        raise RosterError(
            _("文件太大（%(size)s MB），最多 5 MB。请分成几个文件导入。")
            % {"size": f"{size / 1024 / 1024:.1f}"}
        )


def _read(content: bytes, file_name: str) -> Generator[Progress, None, Table]:
    if not content:
        raise RosterError(_("文件是空的。"))
    check_size(len(content))
    if _file_kind(content, file_name) == "xlsx":
        return (yield from _read_xlsx(content))
    return (yield from _read_csv(content))


def read_file(
    content: bytes, file_name: str, progress: Callable[[Progress], None] | None = None
) -> Table:
    """Read an upload within the bounds (size, rows, cells, the unpacked size of an .xlsx,
    a long blank run) and find its header row; raises RosterError. No row is checked: the
    upload page refuses a file that cannot be imported at all before it is kept."""
    table = _drive(_read(content, file_name), progress)
    _find_header(table)
    return table


def _match_header(cells: list[Any]) -> list[HeaderCell]:
    texts = [(index, _text(cell).strip()) for index, cell in enumerate(cells)]
    texts = [(index, text) for index, text in texts if text]
    fields = {index: _header_field(text) for index, text in texts}
    has_mobile = "phone" in fields.values()
    taken: dict[str, str] = {}
    header: list[HeaderCell] = []
    for index, text in texts:
        key = fields[index]
        if key == _AMBIGUOUS:
            key = "phone" if not has_mobile and "phone" not in taken else "household_phone"
        if key is None:
            header.append(HeaderCell(index, text, None, _("未识别，不导入")))
        elif key in taken:
            note = _("与“%(other)s”列重复，不导入") % {"other": taken[key]}
            header.append(HeaderCell(index, text, None, note))
        else:
            taken[key] = text
            header.append(HeaderCell(index, text, COLUMN_BY_KEY[key]))
    return header


def _find_header(table: Table) -> tuple[int, list[HeaderCell]]:
    """(position of the header in table.rows, its cells)."""
    for position, (_number, cells) in enumerate(table.rows[:HEADER_SCAN_ROWS]):
        if _has_header(cells):
            header = _match_header(cells)
            keys = {cell.column.key for cell in header if cell.column}
            missing = [
                str(COLUMN_BY_KEY[key].label)
                for key in ("building", "room")
                if key not in keys and "passbook_number" not in keys
            ]
            if missing:
                raise RosterError(
                    _("表头缺少必需的列：%(columns)s。每行要有地址（楼号、室号）或存折编号。")
                    % {"columns": "、".join(missing)}
                )
            return position, header
    raise RosterError(
        _(
            "没有找到表头：文件前 %(count)s 行里没有一行同时写着“姓名”和楼号、室号等列名。"
            "请对照导入模板，把列名写在数据上方的一行。"
        )
        % {"count": HEADER_SCAN_ROWS}
    )


# -- Checking -----------------------------------------------------------------------------


# What the check loads of the matched households and members: what it compares and what
# the update writes (deferring the rest; loading 10,000 timestamps is not free).
HOUSEHOLD_LOADED = (
    "community_id",
    "passbook_number",
    "compound__name",
    "building",
    "unit",
    "room",
    "building_group_id",
    "phone",
    "status",
)
MEMBER_LOADED = (
    "community_id",
    "household_id",
    "name",
    "gender",
    "birth_year",
    "phone",
    "relation",
    "specialties",
    "is_party_member",
    "is_in_service_party_member",
    "employer",
    "job_title",
    "position",
    "is_active",
)


class _Checker:
    """Reads the rows against the community's register and plans every household."""

    def __init__(self, community: Community, table: Table, file_name: str) -> None:
        self.community = community
        self.table = table
        self.check = RosterCheck(
            file_name=file_name,
            file_format=table.file_format,
            encoding=table.encoding,
            sheet_name=table.sheet_name,
        )
        self.compounds = {_name_key(c.name): c for c in Compound.objects.for_community(community)}
        self.building_groups = {
            _name_key(g.name): g
            for g in BuildingGroup.objects.for_community(community).select_related("compound")
        }
        self.household_types = {
            _name_key(t.name): t for t in HouseholdType.objects.for_community(community)
        }
        self.unknown: dict[str, Counter] = {
            "compound": Counter(),
            "building_group": Counter(),
            "household_types": Counter(),
        }
        self.today = timezone.localdate()
        self.default_compound: Compound | None = None
        self.work_dropped = 0
        self.index: dict[str, int] = {}
        self.header_text: dict[str, str] = {}
        self.cleaners: dict[str, Callable[[Any], Any]] = {}
        self.members: dict[int, list[Member]] = {}
        self.types: dict[int, set[int]] = {}

    # Problems

    def column_text(self, key: str) -> str:
        return self.header_text.get(key) or str(COLUMN_BY_KEY[key].label)

    def error(self, row: _Row, key: str, message: str) -> None:
        row.failed.add(key)
        self.check.problems.append(Problem(row.number, self.column_text(key), message))

    def warn(self, row: _Row, key: str, message: str) -> None:
        self.check.problems.append(Problem(row.number, self.column_text(key), message, False))

    # The steps

    def run(self) -> Generator[Progress, None, RosterCheck]:
        position, header = _find_header(self.table)
        self.check.header_row = self.table.rows[position][0]
        self.check.header = header
        self.index = {cell.column.key: cell.index for cell in header if cell.column}
        self.header_text = {cell.column.key: cell.text for cell in header if cell.column}
        self.cleaners = {key: getattr(self, f"clean_{key}") for key in self.index}
        data = self.table.rows[position + 1 :]
        if len(data) > max_rows():  # reading refuses this sooner; merged cells can add rows
            raise _too_many_rows(self.table.rows_read)
        self.check.rows_read = self.table.rows_read
        self._file_notices()

        rows: list[_Row] = []
        total = len(data)
        for done, (number, cells) in enumerate(data, start=1):
            row = self._read_row(number, cells)
            if row is not None:
                rows.append(row)
            if done % PROGRESS_EVERY == 0 and done < total:
                yield Progress("check", done, total)
        self.check.row_count = len(rows)

        plans, loose = self._group(rows)
        self._match_households(plans)
        for plan in plans:
            self._plan(plan)
        self._count(plans, loose)
        yield Progress("check", total, total)

        for kind, attr in (
            ("compound", "unknown_compounds"),
            ("building_group", "unknown_building_groups"),
            ("household_types", "unknown_household_types"),
        ):
            setattr(self.check, attr, sorted(self.unknown[kind].items()))
        if self.work_dropped:
            self.check.notices.append(
                _(
                    "工作单位、职务只为在职党员登记：有 %(count)s 行填了这两列但不是在职党员，"
                    "这两项没有导入。"
                )
                % {"count": self.work_dropped}
            )
        order = {cell.text: cell.index for cell in header}
        self.check.problems.sort(key=lambda p: (p.row or 0, order.get(p.column, 999)))
        self.check.plans = plans
        return self.check

    def _file_notices(self) -> None:
        keys = set(self.index)
        notices = self.check.notices
        if self.table.blank_run_from is not None:
            notices.append(
                _(
                    "从第 %(row)s 行起连续 %(count)s 行是空行，之后的内容没有读取。"
                    "如果下面还有名单，请删去中间的空行后重新上传。"
                )
                % {"row": self.table.blank_run_from, "count": BLANK_RUN_ROWS}
            )
        if "compound" not in keys and len(self.compounds) == 1:
            self.default_compound = next(iter(self.compounds.values()))
            notices.append(
                _("文件没有“小区”列：地址都按本居民区唯一的小区“%(name)s”。")
                % {"name": self.default_compound.name}
            )
        elif "compound" in keys and len(self.compounds) == 1:
            self.default_compound = next(iter(self.compounds.values()))
        elif "compound" not in keys and "passbook_number" not in keys:
            raise RosterError(
                _("表头缺少“小区”列：本居民区有 %(count)s 个小区，每行要写明是哪个小区。")
                % {"count": len(self.compounds)}
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

    def _read_row(self, number: int, cells: list[Any]) -> _Row | None:
        raws = {
            key: cells[index] if index < len(cells) else None for key, index in self.index.items()
        }
        if all(_is_blank(raw) for raw in raws.values()):
            return None  # e.g. a template row with only its number filled in
        row = _Row(number)
        for key, raw in raws.items():
            if _is_blank(raw):
                continue
            try:
                value = self.cleaners[key](raw)
            except ValidationError as error:
                self.error(row, key, " ".join(error.messages))
                continue
            if value is not None:
                row.values[key] = value

        values = row.values
        if "name" not in values and "name" not in row.failed:
            self.error(row, "name", _("缺少姓名。"))
        party, in_service = values.get("party"), values.get("in_service")
        if party is not None and in_service is True and party[0] is False:
            self.error(row, "in_service", _("在职党员须同时是党员，而“是否党员”填的是“否”。"))
        return row

    # Cleaning one cell. Each returns the value, None for "nothing said", or raises.

    def clean_name(self, raw: Any) -> str:
        name = re.sub(r"\s+", "", _text(raw)).replace("．", "·").replace("•", "·")
        if re.search(r"\d", name):
            raise _error(_("姓名里不应有数字（现为“%(value)s”）。"), value=name)
        if len(name) > 50:
            raise _error(_("姓名太长（不超过 50 个字）。"))
        return name

    def clean_gender(self, raw: Any) -> str:
        text = _text(raw).strip().lower()
        if text not in GENDERS:
            raise _error(_("性别只填“男”或“女”（现为“%(value)s”）。"), value=_text(raw))
        return GENDERS[text]

    def clean_birth(self, raw: Any) -> int:
        if isinstance(raw, datetime.datetime | datetime.date):
            day = raw.date() if isinstance(raw, datetime.datetime) else raw
            return self._birth_year(day.year, day)
        text = _text(raw).strip()
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
                value=_text(raw),
            )
        year = int(match["y"])
        month, day = match.groupdict().get("m"), match.groupdict().get("d")
        try:
            date = datetime.date(year, int(month or 1), int(day or 1))
        except ValueError as exc:
            raise _error(_("出生日期无效（现为“%(value)s”）。"), value=_text(raw)) from exc
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
        text = _text(raw)
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
        name = _text(raw).strip()
        compound = self.compounds.get(_name_key(name))
        if compound is None:
            self.unknown["compound"][name] += 1
            raise _error(_("本居民区没有小区“%(name)s”。"), name=name)
        return compound

    def _address_part(self, raw: Any, suffixes: tuple[str, ...], key: str) -> str | None:
        # The lazy label is only turned into text if there is an error to show.
        label = COLUMN_BY_KEY[key].label
        return address_part(_text(raw), suffixes, label, required=False) or None

    def clean_building(self, raw: Any) -> str | None:
        return self._address_part(raw, ("号楼", "号", "栋", "幢"), "building")

    def clean_unit(self, raw: Any) -> str | None:
        return self._address_part(raw, ("单元",), "unit")

    def clean_room(self, raw: Any) -> str | None:
        return self._address_part(raw, ("室", "号"), "room")

    def clean_building_group(self, raw: Any) -> BuildingGroup:
        name = _text(raw).strip()
        key = _name_key(name)
        for candidate in (key, f"{key}楼组", f"{key}号楼组"):
            if candidate in self.building_groups:
                return self.building_groups[candidate]
        self.unknown["building_group"][name] += 1
        raise _error(_("本居民区没有楼组“%(name)s”。"), name=name)

    def clean_household_types(self, raw: Any) -> list[HouseholdType] | None:
        found, unknown = [], []
        for name in re.split(r"[,，、;；/\s]+", _text(raw)):
            if not name:
                continue
            kind = self.household_types.get(_name_key(name))
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
        text = re.sub(r"[\s\-_]+", "", _text(raw)).upper()
        match = re.fullmatch(r"([A-Z]{1,6})(\d{1,8})", text)
        prefix = self.community.passbook_prefix
        if match is None or match[1] != prefix:
            raise _error(
                _("存折编号应形如 %(prefix)s-00123（现为“%(value)s”）。"),
                prefix=prefix,
                value=_text(raw),
            )
        return f"{prefix}-{int(match[2]):05d}"

    def clean_specialties(self, raw: Any) -> list[str] | None:
        return _SPECIALTIES.clean(_text(raw)) or None

    def clean_party(self, raw: Any) -> tuple[bool, bool | None]:
        text = re.sub(r"\s+", "", _text(raw)).lower()
        if text not in PARTY_VALUES:
            raise _error(
                _("是否党员填“是”或“否”（也可写“中共党员”“群众”），现为“%(value)s”。"),
                value=_text(raw),
            )
        return PARTY_VALUES[text]

    def clean_in_service(self, raw: Any) -> bool:
        text = re.sub(r"\s+", "", _text(raw)).lower()
        if text in _YES or text == "在职党员":
            return True
        if text in _NO:
            return False
        raise _error(_("在职党员填“是”或“否”（现为“%(value)s”）。"), value=_text(raw))

    def clean_relation(self, raw: Any) -> str:
        text = re.sub(r"\s+", "", _text(raw))
        return RELATIONS.get(text, text)  # unknown words are warned about in _plan

    def _short_text(self, raw: Any, limit: int) -> str:
        text = re.sub(r"\s+", " ", _text(raw)).strip()
        if len(text) > limit:
            raise _error(
                _("不超过 %(limit)s 个字（现为 %(count)s 个）。"), limit=limit, count=len(text)
            )
        return text

    def clean_employer(self, raw: Any) -> str:
        return self._short_text(raw, 100)

    def clean_job_title(self, raw: Any) -> str:
        return self._short_text(raw, 50)

    # Households

    def _address(self, row: _Row) -> tuple[Compound, str, str, str] | None:
        values = row.values
        compound = values.get("compound")
        if compound is None and "compound" not in row.failed:
            compound = self.default_compound
        building, room = values.get("building"), values.get("room")
        if compound and building and room:
            return compound, building, values.get("unit", ""), room
        if "passbook_number" in values and not (building or room or "compound" in values):
            return None  # found by its passbook number alone
        for key, present in (("compound", compound), ("building", building), ("room", room)):
            if not present and key not in row.failed:
                self.error(row, key, _("缺少%(column)s。") % {"column": COLUMN_BY_KEY[key].label})
        return None

    def _group(self, rows: list[_Row]) -> tuple[list[HouseholdPlan], list[_Row]]:
        """Rows of one address (or one passbook number) form a household."""
        by_address: dict[tuple, HouseholdPlan] = {}
        by_number: dict[str, HouseholdPlan] = {}
        plans: list[HouseholdPlan] = []
        loose: list[_Row] = []
        for row in rows:
            address = self._address(row)
            number = row.values.get("passbook_number", "")
            if address is None and not number:
                loose.append(row)
                continue
            key = _address_key(address) if address else None
            plan_by_address = by_address.get(key) if key else None
            plan_by_number = by_number.get(number) if number else None
            if plan_by_address and plan_by_number and plan_by_address is not plan_by_number:
                self.error(
                    row,
                    "passbook_number",
                    _("存折编号 %(number)s 在第 %(row)s 行对应的是另一个地址。")
                    % {"number": number, "row": plan_by_number.rows[0].number},
                )
                plan_by_address.rows.append(row)
                continue
            plan = plan_by_address or plan_by_number
            if plan is None:
                plan = HouseholdPlan(rows=[row])
                plans.append(plan)
            else:
                if number and plan.passbook_number and plan.passbook_number != number:
                    self.error(
                        row,
                        "passbook_number",
                        _("同一地址的存折编号不一致：第 %(row)s 行是 %(number)s。")
                        % {"row": plan.rows[0].number, "number": plan.passbook_number},
                    )
                plan.rows.append(row)
            if address and plan.address is None:
                plan.address = address
                by_address[key] = plan
            if number and not plan.passbook_number:
                plan.passbook_number = number
                by_number[number] = plan
        return plans, loose

    def _match_households(self, plans: list[HouseholdPlan]) -> None:
        community = self.community
        active = {
            (compound, building, unit, room): pk
            for pk, compound, building, unit, room in Household.objects.filter(
                community=community, status=Household.Status.ACTIVE
            ).values_list("pk", "compound_id", "building", "unit", "room")
        }
        numbers = {plan.passbook_number for plan in plans if plan.passbook_number}
        by_number = {
            number: (pk, status, (compound, building, unit, room))
            for pk, number, status, compound, building, unit, room in Household.objects.filter(
                community=community, passbook_number__in=numbers
            ).values_list(
                "pk", "passbook_number", "status", "compound_id", "building", "unit", "room"
            )
        }
        wanted: dict[int, HouseholdPlan] = {}
        for plan in plans:
            pk = None
            if plan.passbook_number:
                row = next(r for r in plan.rows if r.values.get("passbook_number"))
                found = by_number.get(plan.passbook_number)
                if found is None:
                    self.error(
                        row,
                        "passbook_number",
                        _("本居民区没有存折编号为 %(number)s 的户。")
                        % {"number": plan.passbook_number},
                    )
                elif found[1] != Household.Status.ACTIVE:
                    self.error(
                        row,
                        "passbook_number",
                        _("存折编号 %(number)s 的户已迁出；如要导入，请先在该户页面办理迁回。")
                        % {"number": plan.passbook_number},
                    )
                else:
                    pk = found[0]
                    key = _address_key(plan.address) if plan.address else found[2]
                    other = active.get(key)
                    if other is not None and other != pk:
                        self.error(
                            row,
                            "passbook_number",
                            _("这个地址已有另一户在册，与存折编号 %(number)s 不是同一户。")
                            % {"number": plan.passbook_number},
                        )
                        pk = None
            elif plan.address:
                pk = active.get(_address_key(plan.address))
            if pk is None:
                continue
            if pk in wanted:
                self.error(
                    plan.rows[0],
                    "passbook_number" if plan.passbook_number else "room",
                    _("与第 %(row)s 行是名册里的同一户，但地址或存折编号写得不一样。")
                    % {"row": wanted[pk].rows[0].number},
                )
                continue
            wanted[pk] = plan

        households = (
            Household.objects.filter(community=community, pk__in=list(wanted))
            .select_related("compound")
            .only(*HOUSEHOLD_LOADED)
        )
        for household in households:
            plan = wanted[household.pk]
            plan.household = household
            plan.is_new = False
        members = Member.objects.filter(community=community, household_id__in=list(wanted))
        for member in members.only(*MEMBER_LOADED).order_by(
            "household_id", "-is_active", "position", "pk"
        ):
            self.members.setdefault(member.household_id, []).append(member)
        through = Household.types.through.objects.filter(household_id__in=list(wanted))
        for household_id, type_id in through.values_list("household_id", "householdtype_id"):
            self.types.setdefault(household_id, set()).add(type_id)

    def _first(self, plan: HouseholdPlan, key: str, describe: Callable[[Any], str]) -> Any:
        """A household value given on several rows: the first one counts; a different one
        on a later row is warned about."""
        first = None
        for row in plan.rows:
            value = row.values.get(key)
            if value is None:
                continue
            if first is None:
                first = (row, value)
            elif value != first[1]:
                self.warn(
                    row,
                    key,
                    _(
                        "同一户第 %(row)s 行写的是“%(first)s”，这里是“%(this)s”："
                        "按第 %(row)s 行导入。"
                    )
                    % {
                        "row": first[0].number,
                        "first": describe(first[1]),
                        "this": describe(value),
                    },
                )
        return first

    def _plan(self, plan: HouseholdPlan) -> None:
        household = plan.household
        if household is None and plan.address is None:
            return  # a passbook number that was not found: already an error
        members = self.members.get(household.pk, []) if household else []

        group = self._first(plan, "building_group", lambda g: g.name)
        home_phone = self._first(plan, "household_phone", str)
        kinds: list[HouseholdType] | None = None
        for row in plan.rows:
            for kind in row.values.get("household_types") or ():
                kinds = kinds or []
                if kind not in kinds:
                    kinds.append(kind)

        # Members: by name within the household.
        seen: dict[str, _Row] = {}
        matched: dict[int, _Row] = {}
        pairs: list[tuple[_Row, Member | None]] = []
        for row in plan.rows:
            name = row.values.get("name")
            if not name:
                continue
            if name in seen:
                self.error(
                    row,
                    "name",
                    _("同一户里“%(name)s”出现了两次（第 %(row)s 行），是否重复填写？")
                    % {"name": name, "row": seen[name].number},
                )
                continue
            seen[name] = row
            member = self._match_member(row, name, members)
            if member is not None:
                matched[member.pk] = row
            pairs.append((row, member))

        # One head (户主) per household, counting the members the file does not mention.
        heads = [row for row, _m in pairs if row.values.get("relation") == Head]
        for row in heads[1:]:
            self.error(
                row,
                "relation",
                _("一户只能有一位户主（第 %(row)s 行已是户主）。") % {"row": heads[0].number},
            )
        kept_heads = [
            m
            for m in members
            if m.is_active
            and m.relation == Head
            and (m.pk not in matched or "relation" not in matched[m.pk].values)
        ]
        if heads and kept_heads:
            self.error(
                heads[0],
                "relation",
                _(
                    "这一户在名册里的户主是%(name)s。如要换户主，请在文件里把%(name)s的"
                    "与户主关系也改掉。"
                )
                % {"name": kept_heads[0].name},
            )
        has_head = bool(heads or kept_heads)

        position = max((m.position for m in members), default=-1) + 1
        for row, member in pairs:
            relation = row.values.get("relation")
            if relation is not None and relation not in RELATION_VALUES:
                self.warn(
                    row,
                    "relation",
                    _("与户主关系“%(value)s”不在列表里，按“其他”登记。") % {"value": relation},
                )
                relation = R.OTHER
            if relation is None and member is None:
                relation = R.OTHER if has_head else Head
                has_head = True
                if relation == R.OTHER and "relation" in self.index:
                    self.warn(row, "relation", _("没有填与户主关系，按“其他”登记。"))
            values = self._member_values(row, member, relation)
            if member is None:
                plan.new_members.append(
                    Member(
                        community=self.community,
                        name=row.values["name"],
                        position=position,
                        **values,
                    )
                )
                position += 1
                continue
            changes = {
                attr: value for attr, value in values.items() if getattr(member, attr) != value
            }
            if not member.is_active:
                changes["is_active"] = True
            if changes:
                plan.changed_members.append((member, changes))
            else:
                plan.unchanged_members += 1
        plan.missing_members = [m for m in members if m.is_active and m.pk not in matched]

        # The household itself.
        if home_phone is None and "household_phone" not in self.index:
            # Without a household phone column, the head's (or first person's) phone.
            with_phone = [row for row, _m in pairs if row.values.get("phone")]
            first = next((row for row in with_phone if row in heads), None) or (
                with_phone[0] if with_phone else None
            )
            home_phone = (first, first.values["phone"]) if first else None
        compound = plan.address[0] if plan.address else household.compound
        if group and group[1].compound_id and group[1].compound_id != compound.pk:
            self.error(
                group[0],
                "building_group",
                _("楼组“%(group)s”属于%(compound)s，与所填小区不符。")
                % {"group": group[1].name, "compound": group[1].compound.name},
            )
        if household is None:
            plan.fields = {
                "compound": compound,
                "building": plan.address[1],
                "unit": plan.address[2],
                "room": plan.address[3],
                "building_group": group[1] if group else None,
                "phone": home_phone[1] if home_phone else "",
            }
            plan.types = {kind.pk for kind in kinds or ()}
            return
        if plan.address is not None:
            for name, value in zip(
                ("compound", "building", "unit", "room"), plan.address, strict=True
            ):
                if getattr(household, name) != value:
                    plan.fields[name] = value
        if group and group[1].pk != household.building_group_id:
            plan.fields["building_group"] = group[1]
        if home_phone and home_phone[1] != household.phone:
            explicit = "household_phone" in self.index
            if explicit or not household.phone:
                plan.fields["phone"] = home_phone[1]
        if kinds is not None:
            wanted = {kind.pk for kind in kinds}
            current = self.types.get(household.pk, set())
            plan.add_types, plan.remove_types = wanted - current, current - wanted

    def _match_member(self, row: _Row, name: str, members: list[Member]) -> Member | None:
        same = [m for m in members if m.name == name]
        active = [m for m in same if m.is_active]
        candidates = active or same
        if len(candidates) > 1 and "birth" in row.values:
            candidates = [m for m in candidates if m.birth_year == row.values["birth"]]
        if len(candidates) > 1:
            self.error(
                row,
                "name",
                _("名册里这一户有 %(count)s 位“%(name)s”，无法确定是哪一位；请在该户页面处理。")
                % {"count": len(candidates), "name": name},
            )
            return None
        return candidates[0] if candidates else None

    def _member_values(self, row: _Row, member: Member | None, relation: str | None) -> dict:
        """The member's fields the row sets. A blank cell never erases what is on record."""
        given = row.values
        values: dict[str, Any] = {}
        for key, attr in (
            ("gender", "gender"),
            ("birth", "birth_year"),
            ("phone", "phone"),
            ("specialties", "specialties"),
        ):
            if key in given:
                values[attr] = given[key]
            elif member is None:
                values[attr] = Member._meta.get_field(attr).get_default()
        if relation is not None:
            values["relation"] = relation

        party_given = given.get("party")
        party = party_given[0] if party_given else (member.is_party_member if member else False)
        in_service_given = given.get("in_service")
        if in_service_given is None and party_given:
            in_service_given = party_given[1]
        in_service = (
            in_service_given
            if in_service_given is not None
            else (member.is_in_service_party_member if member else False)
        )
        if in_service and not party:
            if party_given:  # "是否党员: 否" outranks an in-service flag on record
                in_service = False
            else:
                party = True
        values["is_party_member"] = party
        values["is_in_service_party_member"] = in_service
        if not in_service and (given.get("employer") or given.get("job_title")):
            self.work_dropped += 1
        for key in ("employer", "job_title"):
            if not in_service or (member is None and key not in given):
                values[key] = ""
            elif key in given:
                values[key] = given[key]
        return values

    def _count(self, plans: list[HouseholdPlan], loose: list[_Row]) -> None:
        check = self.check
        check.rows_skipped = len(loose)
        for plan in plans:
            if plan.bad:
                check.households_skipped += 1
                check.rows_skipped += len(plan.rows)
                continue
            if plan.is_new:
                check.households_new += 1
            elif plan.changed:
                check.households_updated += 1
            else:
                check.households_unchanged += 1
            check.members_new += len(plan.new_members)
            check.members_updated += len(plan.changed_members)
            check.members_unchanged += plan.unchanged_members
            check.missing_members += [(plan.label, m.name) for m in plan.missing_members]


def _address_key(address: tuple[Compound, str, str, str]) -> tuple[int, str, str, str]:
    compound, building, unit, room = address
    return compound.pk, building, unit, room


# -- Writing ------------------------------------------------------------------------------


def _chunks(plans: list[HouseholdPlan]) -> Iterable[list[HouseholdPlan]]:
    chunk: list[HouseholdPlan] = []
    rows = 0
    for plan in plans:
        chunk.append(plan)
        rows += len(plan.rows)
        if rows >= CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
    if chunk:
        yield chunk


def _copy_insert(model: type[Member], objects: list[Member]) -> None:
    """Insert rows with PostgreSQL's COPY. bulk_create() would write members with one big
    INSERT … VALUES, because their array column keeps Django off its faster UNNEST insert;
    measured here, 1,000 members took 0.4–0.9 s that way and 0.07 s by COPY. The values
    are prepared by each field as bulk_create prepares them (pre_save sets the timestamps).
    Row triggers (the audit trail) fire for COPY as for INSERT."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row(
                [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
            )


def _update_rows(model: type[Household | Member], objects: list, names: list[str]) -> None:
    """One UPDATE … FROM (VALUES …) for the given columns of these rows. bulk_update()
    builds a CASE WHEN expression for every row and column in Python: updating 10,000
    members took 7 s of CPU that way. Each value is cast to its column's type (a column of
    NULLs would otherwise be text) and prepared by its field, as bulk_update prepares it."""
    if len(objects) > UPDATE_BATCH:  # PostgreSQL takes at most 65,535 parameters
        for start in range(0, len(objects), UPDATE_BATCH):
            _update_rows(model, objects[start : start + UPDATE_BATCH], names)
        return
    if not objects:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    columns = [quote(f.column) for f in fields]
    row = "(%s, " + ", ".join(f"%s::{f.db_type(connection)}" for f in fields) + ")"
    pk = quote(model._meta.pk.column)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t "
        f"SET {', '.join(f'{c} = v.{c}' for c in columns)} "
        f"FROM (VALUES {', '.join([row] * len(objects))}) AS v({pk}, {', '.join(columns)}) "
        f"WHERE t.{pk} = v.{pk}"
    )
    params = []
    for obj in objects:
        params.append(obj.pk)
        params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _write(community: Community, check: RosterCheck) -> Generator[Progress, None, None]:
    plans = [plan for plan in check.plans if not plan.bad and (plan.is_new or plan.changed)]
    new_count = sum(1 for plan in plans if plan.is_new)
    numbers = iter(next_passbook_numbers(community, new_count) if new_count else ())
    now = timezone.now()
    total = sum(len(plan.rows) for plan in plans)
    done = 0
    Through = Household.types.through
    for chunk in _chunks(plans):
        created = []
        for plan in chunk:
            if plan.is_new:
                plan.household = Household(
                    community=community, passbook_number=next(numbers), **plan.fields
                )
                created.append(plan.household)
        Household.objects.bulk_create(created)

        changed = [plan for plan in chunk if not plan.is_new and plan.fields]
        if changed:
            names = sorted({name for plan in changed for name in plan.fields})
            for plan in changed:
                for name, value in plan.fields.items():
                    setattr(plan.household, name, value)
                plan.household.updated_at = now
            _update_rows(Household, [plan.household for plan in changed], [*names, "updated_at"])

        removals = Q()
        for plan in chunk:
            if plan.remove_types:
                removals |= Q(
                    household_id=plan.household.pk, householdtype_id__in=plan.remove_types
                )
        if removals:
            Through.objects.filter(removals).delete()
        Through.objects.bulk_create(
            Through(household_id=plan.household.pk, householdtype_id=type_id)
            for plan in chunk
            for type_id in sorted((plan.types or set()) | plan.add_types)
        )

        new_members = []
        for plan in chunk:
            for member in plan.new_members:
                member.household = plan.household
                member.set_pinyin()  # no save() here to do it
                new_members.append(member)
        _copy_insert(Member, new_members)

        updates = [(m, c) for plan in chunk for m, c in plan.changed_members]
        if updates:
            names = sorted({name for _m, changes in updates for name in changes})
            for member, changes in updates:
                for name, value in changes.items():
                    setattr(member, name, value)
                member.updated_at = now
            _update_rows(Member, [m for m, _c in updates], [*names, "updated_at"])

        done += sum(len(plan.rows) for plan in chunk)
        yield Progress("write", done, total)


# -- Entry points ---------------------------------------------------------------------------


def check_steps(
    *, community: Community, content: bytes, file_name: str
) -> Generator[Progress, None, RosterCheck]:
    """Read and check a file without writing anything (the preview, `--dry-run`)."""
    table = yield from _read(content, file_name)
    return (yield from _Checker(community, table, file_name).run())


def import_steps(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    only_good_rows: bool = False,
    actor_id: int | None = None,
    upload_id: int | None = None,
) -> Generator[Progress, None, RosterCheck]:
    """Read, check and write a file in one transaction. With any error in the rows nothing
    is written (RosterRejected) unless `only_good_rows`: then households with a bad row are
    skipped whole. `upload_id` names the ImportUpload to delete once imported."""
    started = time.monotonic()
    table = yield from _read(content, file_name)
    try:
        with transaction.atomic():
            if actor_id is not None:
                # The audit trail's triggers name the actor; set for this transaction only,
                # because a streamed response outlives the request's own setting.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('passbook.actor', %s, true)", [str(actor_id)])
            # One import at a time per community: the second waits, then sees the first's rows.
            Community.objects.select_for_update().filter(pk=community.pk).values_list("pk").get()
            check = yield from _Checker(community, table, file_name).run()
            if check.has_errors and not only_good_rows:
                raise RosterRejected(check)
            yield from _write(community, check)
            if upload_id is not None:
                ImportUpload.objects.filter(pk=upload_id, community=community).delete()
    except IntegrityError as exc:
        # Most likely someone registered or moved a household at one of these addresses
        # between the check and the write.
        raise RosterError(
            _(
                "数据库拒绝了写入（可能有人正在修改同一批住户），没有保存任何内容。"
                "请稍后重新导入，已导入的不会重复。"
            )
        ) from exc
    check.saved = True
    check.seconds = time.monotonic() - started
    return check


def _drive(steps: Generator[Progress, None, Any], progress: Callable[[Progress], None] | None):
    while True:
        try:
            event = next(steps)
        except StopIteration as finished:
            return finished.value
        if progress is not None:
            progress(event)


def check_roster(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    progress: Callable[[Progress], None] | None = None,
) -> RosterCheck:
    return _drive(check_steps(community=community, content=content, file_name=file_name), progress)


def import_roster(
    *,
    community: Community,
    content: bytes,
    file_name: str,
    only_good_rows: bool = False,
    actor_id: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> RosterCheck:
    """Import a roster file (one transaction); see import_steps."""
    steps = import_steps(
        community=community,
        content=content,
        file_name=file_name,
        only_good_rows=only_good_rows,
        actor_id=actor_id,
    )
    return _drive(steps, progress)


# -- The template file ---------------------------------------------------------------------


def _example_row(community: Community) -> list[str]:
    compound = Compound.objects.for_community(community).order_by("name").first()
    group = (
        BuildingGroup.objects.for_community(community)
        .filter(compound=compound)
        .order_by(Length("name"), "name")
        .first()
    )
    kind = HouseholdType.objects.for_community(community).first()
    return [
        compound.name if compound else "阳光苑",
        "5",
        "1",
        "302",
        group.name if group else "",
        kind.name if kind else "",
        "021-64001234",
        "郑兴友",
        "男",
        "1951",
        "户主",
        "13812341234",
        "是",
        "否",
        "",
        "",
        "维修家电、理发",
    ]


# Columns typed as text, so that Excel keeps a phone's digits and does not turn 5-302 into
# a date; columns offering a drop-down of the 可选值 sheet (家庭类型 allows several values).
_TEXT_COLUMNS = ("楼号", "单元", "室号", "家庭电话", "手机", "出生年份")
_WIDE_COLUMNS = ("小区", "特长", "工作单位")
_CHOICE_COLUMNS = ("小区", "楼组", "家庭类型", "性别", "与户主关系", "是否党员", "在职党员")


def _template_table(community: Community, *, with_choices: bool) -> spreadsheets.Table:
    choices = _("可选值")
    columns = [
        spreadsheets.Column(
            header,
            width=22 if header in _WIDE_COLUMNS else 12,
            text=header in _TEXT_COLUMNS,
            choices=(choices, header) if with_choices and header in _CHOICE_COLUMNS else None,
            choices_strict=header != "家庭类型",  # several types: 独居老人、困难家庭
        )
        for header in TEMPLATE_HEADERS
    ]
    return spreadsheets.Table(
        _("住户名册"), columns, [_example_row(community)], input_rows=max_rows()
    )


def template_csv(community: Community) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese headers correctly."""
    return spreadsheets.csv_bytes(_template_table(community, with_choices=False))


def template_xlsx(community: Community) -> bytes:
    """The headers and an example row; a sheet of the community's compounds, building groups
    and household types (the drop-down lists) and a sheet with what each column takes."""
    lists = {
        "小区": [c.name for c in Compound.objects.for_community(community).order_by("name")],
        "楼组": [g.name for g in BuildingGroup.objects.for_community(community).order_by("name")],
        "家庭类型": [t.name for t in HouseholdType.objects.for_community(community)],
        "性别": ["男", "女"],
        "与户主关系": list(RELATION_CHOICES),
        "是否党员": ["是", "否"],
        "在职党员": ["是", "否"],
    }
    choices = spreadsheets.Table(
        _("可选值"),
        [spreadsheets.Column(header, width=18) for header in lists],
        [list(row) for row in itertools.zip_longest(*lists.values())],
    )
    notes = spreadsheets.Table(
        _("填写说明"),
        [
            spreadsheets.Column("", width=14, bold=True, wrap=True),
            spreadsheets.Column("", width=90, wrap=True),
        ],
        _template_notes(),
        header=False,
    )
    return spreadsheets.workbook_bytes(
        [_template_table(community, with_choices=True), choices, notes]
    )


def _template_notes() -> list[tuple[str, str]]:
    return [
        (_("怎么填"), _("每行一位居民；地址（小区、楼号、单元、室号）相同的行是同一户。")),
        (
            _("必填"),
            _(
                "姓名、楼号、室号；本居民区只有一个小区时“小区”可不填。已登记的户也可以只写存折编号。"
            ),
        ),
        ("小区", _("须是本居民区已有的小区（见“可选值”）。导入不会新建小区。")),
        ("楼号 / 单元 / 室号", _("只填数字或字母，如 5、1、302；“5号楼”“302室”也可以。")),
        ("楼组", _("须是本居民区已有的楼组（见“可选值”）。导入不会新建楼组。")),
        ("家庭类型", _("可不填；多个用顿号分隔，如 独居老人、困难家庭。")),
        ("家庭电话", _("全户的联系电话，可不填；不填时用户主的手机。")),
        ("性别", _("男 或 女。")),
        ("出生年份", _("如 1951，也可以填出生日期 1951-03-01。")),
        (
            "与户主关系",
            _("户主、配偶、子女、儿媳/女婿、父母、孙子女、兄弟姐妹、其他。一户一位户主。"),
        ),
        ("手机", _("11 位手机号，或带区号的固定电话，如 021-64001234。")),
        ("是否党员 / 在职党员", _("是 或 否。工作单位、职务只为在职党员登记。")),
        ("特长", _("可不填；多个用顿号分隔，如 维修家电、理发。")),
        (
            _("再次导入"),
            _(
                "同一地址（或同一存折编号）的户会更新，不会重复登记；居民按姓名对应。"
                "空白的格子不会清掉名册里已有的内容；文件里没有的居民不会被删除。"
            ),
        ),
        (
            _("限制"),
            _("文件不超过 5 MB、%(rows)s 行。支持 .xlsx 和 CSV（UTF-8 或 GBK）。")
            % {"rows": max_rows()},
        ),
    ]
