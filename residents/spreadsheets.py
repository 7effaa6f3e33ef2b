"""Reports that walk out as files: the one writer of every CSV and .xlsx the project makes
(exports, the settlement, the import template and its problem list). No other module
writes CSV or creates a workbook; tests/security/test_spreadsheet_writer.py fails if one does.

A table is a list of `Column`s and rows of plain Python values (str, int, Decimal, date,
datetime, bool, None). It becomes an `.xlsx` workbook (openpyxl, one sheet per table, bold
frozen header row, column widths, numbers as numbers and dates as dates) or a `.csv` file
in UTF-8 with a BOM, which Excel in China opens without garbling the Chinese.

Cells that a spreadsheet would run as a formula (a name typed as `=1+1`, `@SUM(…)`, a header
copied from an uploaded file) are written as text — with a leading apostrophe in CSV, as a
text cell in .xlsx — so a download never executes what somebody typed or uploaded. Numbers
stay numbers, negative ones included.

Every download of personal data is recorded with `record_export` (who, what, when, how many
rows, whether phone numbers were in full). A download asked for in a format or with
conditions that make no sense is answered by `refused`, whichever app's page it is.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from residents import parsing
from residents.models import ExportRecord

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
# The page that refuses a download asked for with conditions that make no sense.
REFUSED = "residents/exports/export_refused.html"
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
YUAN_FORMAT = "0.00"
# Characters with which Excel, WPS and LibreOffice start a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEF0EC")
_HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)
_HEADING_FONT = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
# Excel's limit for a sheet's name, and the characters it refuses in one.
_SHEET_NAME_LENGTH = 31
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


# What an ExportRecord's `what` means, shown in the export log (codes, so the log reads in
# the viewer's language).
EXPORT_KINDS = {
    "households": gettext_lazy("住户名册"),
    "household_ledger": gettext_lazy("一户积分明细"),
    "ledger": gettext_lazy("全居民区积分明细"),
    "standings": gettext_lazy("积分排行"),
    "settlement": gettext_lazy("兑换结算"),
    "cpc_members": gettext_lazy("党员名册"),
}
# The conditions an export was made with (ExportRecord.parameters), as the log labels them.
PARAMETER_LABELS = {
    "q": gettext_lazy("查找"),
    "compound": gettext_lazy("小区"),
    "building_group": gettext_lazy("楼组"),
    "type": gettext_lazy("家庭类型"),
    "status": gettext_lazy("状态"),
    "household": gettext_lazy("户"),
    "period": gettext_lazy("统计期"),
    "part": gettext_lazy("内容"),
    "round": gettext_lazy("兑换期"),
    "service": gettext_lazy("在职/退休"),
    "residence": gettext_lazy("居住"),
    "leader": gettext_lazy("楼组长"),
    "post": gettext_lazy("岗位"),
}


@dataclass(frozen=True)
class Column:
    """A column: its (Chinese) header, its width in characters (a Chinese character counts
    about two), and for numbers, dates and money an Excel number format.

    For workbooks people fill in (the import template): `text` types the whole column as
    text (Excel then keeps 5-302 and a phone's digits as typed), `choices` offers a
    drop-down of another table's column, named (table title, header), refusing other values
    when `choices_strict`. `bold` and `wrap` style the column's cells."""

    header: str
    width: int = 12
    number_format: str | None = None
    text: bool = False
    bold: bool = False
    wrap: bool = False
    choices: tuple[str, str] | None = None
    choices_strict: bool = True


@dataclass
class Table:
    """One sheet of a workbook, or the whole of a CSV file. `heading` is a title line above
    the table (workbooks only); `header` False leaves the header row out (a list of notes);
    `bold_last_row` marks a total; `input_rows` is how far down a text column's format and
    a drop-down reach for rows people will add."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]] = field(default_factory=list)
    heading: str | None = None
    header: bool = True
    bold_last_row: bool = False
    input_rows: int = 0


def is_formula_like(value: object) -> bool:
    """Text that a spreadsheet would run as a formula if it were typed in: =, +, -, @, a tab
    or a carriage return first. Numbers are never formula-like, negative ones included."""
    return isinstance(value, str) and value.startswith(_FORMULA_STARTS)


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Spreadsheets know no time zones: the wall-clock time in the project's zone."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None, microsecond=0)


def _excel_value(value: object) -> object:
    if isinstance(value, str):
        # Characters XML cannot carry (openpyxl refuses them): never worth a failed download.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return _local(value)
    return value


def csv_value(value: object) -> str:
    """A cell as CSV text. Text that would run as a formula gets a leading apostrophe, which
    keeps it text in Excel and WPS (OWASP's advice for CSV injection)."""
    kind = type(value)
    if kind is str:  # most cells: a fast path
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, datetime.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def _sheet_title(title: str, taken: set[str]) -> str:
    base = (title.translate(_SHEET_NAME_FORBIDDEN).strip() or "Sheet")[:_SHEET_NAME_LENGTH]
    name, n = base, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: _SHEET_NAME_LENGTH - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _styled(sheet, value: object, *, font=None, fill=None, alignment=None, number_format=None):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula, whatever it starts with
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if number_format and value is not None:
        cell.number_format = number_format
    return cell


def _choice_ranges(tables: Sequence[Table], names: dict[int, str]) -> dict[tuple[str, str], str]:
    """(table title, header) → the absolute range of that column's values (from the top, up
    to its last value), for drop-downs. Only tables whose rows are a list are offered."""
    ranges = {}
    for index, table in enumerate(tables):
        if not table.header or not isinstance(table.rows, list):
            continue
        quoted = names[index].replace("'", "''")
        first = 2 + (2 if table.heading else 0)
        for number, column in enumerate(table.columns, start=1):
            filled = [
                position
                for position, row in enumerate(table.rows)
                if len(row) >= number and row[number - 1] not in (None, "")
            ]
            if filled:
                letter = get_column_letter(number)
                last = first + filled[-1]
                ranges[(table.title, column.header)] = (
                    f"'{quoted}'!${letter}${first}:${letter}${last}"
                )
    return ranges


def workbook_bytes(tables: Sequence[Table]) -> bytes:
    """An .xlsx file with one sheet per table. Write-only mode streams the rows out instead
    of keeping a cell grid: a year of a large community's ledger is tens of thousands.
    Every text cell is written as text: a value starting with = is never a formula."""
    tables = list(tables)
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    names = {index: _sheet_title(table.title, taken) for index, table in enumerate(tables)}
    choice_ranges = _choice_ranges(tables, names)
    for index, table in enumerate(tables):
        sheet = workbook.create_sheet(names[index])
        columns = list(table.columns)
        # Write-only sheets write their settings with the first row: set them all first.
        first_data_row = 1 + (2 if table.heading else 0) + (1 if table.header else 0)
        if table.header:
            sheet.freeze_panes = f"A{first_data_row}"
        for number, column in enumerate(columns, start=1):
            dimension = sheet.column_dimensions[get_column_letter(number)]
            dimension.width = column.width
            if column.text:
                dimension.number_format = "@"
        last_input_row = first_data_row + max(table.input_rows, 1) - 1
        for number, column in enumerate(columns, start=1):
            source = choice_ranges.get(column.choices) if column.choices else None
            if source:
                validation = DataValidation(
                    type="list",
                    formula1=f"={source}",
                    allow_blank=True,
                    showErrorMessage=column.choices_strict,
                )
                letter = get_column_letter(number)
                validation.add(f"{letter}{first_data_row}:{letter}{last_input_row}")
                sheet.data_validations.append(validation)
        if table.heading:
            sheet.append([_styled(sheet, _excel_value(table.heading), font=_HEADING_FONT)])
            sheet.append([])
        if table.header:
            sheet.append(
                [
                    _styled(
                        sheet,
                        _excel_value(column.header),
                        font=_HEADER_FONT,
                        fill=_HEADER_FILL,
                        alignment=_HEADER_ALIGNMENT,
                    )
                    for column in columns
                ]
            )
        styles = [
            {
                "number_format": "@" if column.text else column.number_format,
                "font": _BOLD if column.bold else None,
                "alignment": _WRAP if column.wrap else None,
            }
            for column in columns
        ]
        plain = [not any(style.values()) for style in styles]
        rows = list(table.rows) if table.bold_last_row else table.rows
        last = len(rows) - 1 if table.bold_last_row else -1
        for position, row in enumerate(rows):
            cells = []
            for value, style, is_plain in zip(row, styles, plain, strict=False):
                value = _excel_value(value)
                if position == last:
                    cells.append(_styled(sheet, value, **{**style, "font": _BOLD}))
                elif is_plain and not is_formula_like(value):
                    cells.append(value)  # nothing to style: openpyxl types it
                else:
                    cells.append(_styled(sheet, value, **style))
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(table: Table) -> bytes:
    """A CSV file in UTF-8 with a byte order mark, CRLF line ends (as Excel writes them).
    The header is neutralised like any cell: it may come from an uploaded file."""
    text = io.StringIO()
    writer = csv.writer(text)
    if table.header:
        writer.writerow([csv_value(column.header) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(value) for value in row])
    return text.getvalue().encode("utf-8-sig")


def content_disposition(ascii_name: str, name: str) -> str:
    """`attachment` with a plain ASCII file name for old clients and the Chinese one
    (RFC 5987 `filename*`) for every browser in use today."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in ascii_name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def spreadsheet_response(
    *,
    file_format: str,
    tables: Sequence[Table],
    ascii_name: str,
    name: str,
) -> HttpResponse:
    """The download: all tables as sheets of one workbook, or the first table as a CSV.
    `ascii_name` and `name` come without the extension (`households-20261121`,
    `住户名册-2026年11月21日`)."""
    if file_format not in FORMATS:
        raise ValueError(file_format)
    content = workbook_bytes(tables) if file_format == XLSX else csv_bytes(tables[0])
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition(
        f"{ascii_name}.{file_format}", f"{name}.{file_format}"
    )
    # Personal data: no copy in a shared proxy or the browser's cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


def chosen_format(request: HttpRequest) -> str | None:
    """`?format=xlsx` (the default) or `?format=csv`; None for anything else."""
    return parsing.choice(request.GET.get("format", "xlsx").strip().lower(), FORMATS)


def format_error() -> str:
    return _("文件格式只能是 xlsx 或 csv。")


def refused(request: HttpRequest, errors: list[str], back: str) -> HttpResponse:
    """A download asked for with conditions that make no sense: say why, export nothing."""
    return render(request, REFUSED, {"errors": errors, "back": back}, status=400)


def record_export(
    request: HttpRequest,
    *,
    what: str,
    file_format: str,
    rows: int,
    full_phones: bool = False,
    parameters: dict | None = None,
) -> ExportRecord:
    """Put a download on record: who (the request's user), what, in which community, how
    many rows, whether phone numbers were in full, and the conditions it was made with."""
    return ExportRecord.objects.create(
        community=request.community,
        user=request.user,
        what=what,
        file_format=file_format,
        rows=rows,
        full_phones=full_phones,
        parameters=parameters or {},
    )


def dated_names(
    stem_ascii: str, stem: str, community_slug: str, day: datetime.date
) -> tuple[str, str]:
    """(`households-shanxin-20261121`, `住户名册-2026年11月21日`): file names that sort by
    date and say whose data they are."""
    return (
        f"{stem_ascii}-{community_slug}-{day:%Y%m%d}",
        _("%(stem)s-%(y)s年%(m)s月%(d)s日")
        % {"stem": stem, "y": day.year, "m": day.month, "d": day.day},
    )
