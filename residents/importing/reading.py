"""Reading an upload into a table within bounds, whatever it holds: a CSV in any of the
encodings Excel writes, or an .xlsx whose zip and XML are measured before openpyxl opens
it; then finding the header row among the first rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils.cell import range_boundaries

from residents.importing.columns import (
    AMBIGUOUS,
    COLUMN_BY_KEY,
    cell_text,
    header_field,
    is_blank,
)
from residents.importing.results import (
    PROGRESS_EVERY,
    HeaderCell,
    Progress,
    RosterError,
    Table,
    drive,
)

MAX_BYTES = 5 * 1024 * 1024
# The header row may sit under a title row or two ("山鑫阳光城居民花名册").
HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 60

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


def too_many_rows(rows_read: int) -> RosterError:
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
        if any(not is_blank(cell) for cell in cells):
            blank_run = 0
            if header_at is None and len(found) < HEADER_SCAN_ROWS and _has_header(cells):
                header_at = len(found)
            found.append((number, list(cells[:MAX_COLUMNS])))
            data_rows = len(found) - (header_at + 1 if header_at is not None else HEADER_SCAN_ROWS)
            if data_rows > limit:
                raise too_many_rows(number)
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
    keys = {header_field(cell_text(cell)) for cell in cells if not is_blank(cell)}
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
        if anchor is None or min_col > len(anchor) or is_blank(anchor[min_col - 1]):
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


def read_steps(content: bytes, file_name: str) -> Generator[Progress, None, Table]:
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
    table = drive(read_steps(content, file_name), progress)
    find_header(table)
    return table


def _match_header(cells: list[Any]) -> list[HeaderCell]:
    texts = [(index, cell_text(cell).strip()) for index, cell in enumerate(cells)]
    texts = [(index, text) for index, text in texts if text]
    fields = {index: header_field(text) for index, text in texts}
    has_mobile = "phone" in fields.values()
    taken: dict[str, str] = {}
    header: list[HeaderCell] = []
    for index, text in texts:
        key = fields[index]
        if key == AMBIGUOUS:
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


def find_header(table: Table) -> tuple[int, list[HeaderCell]]:
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
        ngettext(
            "没有找到表头：文件前 %(count)s 行里没有一行同时写着“姓名”和楼号、室号等列名。"
            "请对照导入模板，把列名写在数据上方的一行。",
            "没有找到表头：文件前 %(count)s 行里没有一行同时写着“姓名”和楼号、室号等列名。"
            "请对照导入模板，把列名写在数据上方的一行。",
            HEADER_SCAN_ROWS,
        )
        % {"count": HEADER_SCAN_ROWS}
    )
