"""Rosters built for the import tests: people as rows, real .xlsx and .csv files, the
community's register, and importing or checking a file."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import openpyxl

from residents import importing
from residents.models import Household, Member
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdTypeFactory,
)

HEADERS = (
    "小区",
    "楼号",
    "单元",
    "室号",
    "楼组",
    "家庭类型",
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


def person(**fields: str) -> dict[str, str]:
    """A row of the roster: 郑兴友, head of 山鑫阳光城一期 5号1单元302室, unless told."""
    row = {
        "小区": "山鑫阳光城一期",
        "楼号": "5",
        "单元": "1",
        "室号": "302",
        "楼组": "5号楼组",
        "姓名": "郑兴友",
        "性别": "男",
        "出生年份": "1951",
        "与户主关系": "户主",
        "手机": "13812341234",
        "是否党员": "否",
    }
    row.update(fields)
    return row


def spouse(**fields: str) -> dict[str, str]:
    wife = {"姓名": "姚萍", "性别": "女", "出生年份": "1953", "与户主关系": "配偶", "手机": ""}
    return person(**{**wife, **fields})


def _table(people, headers) -> list[list[str]]:
    return [[p.get(h, "") for h in headers] for p in people]


def xlsx_file(people, headers=HEADERS, *, title: str | None = None, merges=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    if title:
        sheet.append([title])
    sheet.append(list(headers))
    for cells in _table(people, headers):
        sheet.append(cells)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_file(people, headers=HEADERS, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(_table(people, headers))
    return out.getvalue().encode(encoding)


def make_register(community) -> SimpleNamespace:
    """The community's compounds, building groups and household types."""
    first = CompoundFactory(community=community, name="山鑫阳光城一期")
    second = CompoundFactory(community=community, name="山鑫阳光城二期")
    return SimpleNamespace(
        first=first,
        second=second,
        group5=BuildingGroupFactory(community=community, compound=first, name="5号楼组"),
        group6=BuildingGroupFactory(community=community, compound=first, name="6号楼组"),
        group13=BuildingGroupFactory(community=community, compound=second, name="13号楼组"),
        alone=HouseholdTypeFactory(community=community, name="独居老人"),
        poor=HouseholdTypeFactory(community=community, name="困难家庭"),
    )


def do_import(community, content: bytes, name: str = "名册.xlsx", **options):
    return importing.import_roster(community=community, content=content, file_name=name, **options)


def do_check(community, content: bytes, name: str = "名册.xlsx"):
    return importing.check_roster(community=community, content=content, file_name=name)


def nothing_saved(community) -> bool:
    community.refresh_from_db()
    return (
        not Household.objects.filter(community=community).exists()
        and not Member.objects.filter(community=community).exists()
        and community.passbook_serial == 0
    )


DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)
