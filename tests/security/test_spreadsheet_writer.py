"""Every CSV and .xlsx the project produces goes through one writer (residents.spreadsheets),
and none lets a formula through: text starting with =, +, -, @, a tab or a carriage return is
written as text (an apostrophe in CSV, a text cell in .xlsx); numbers stay numbers, negative
ones included.

The hostile values go in where people type or upload them — names, reasons, reward names, a
column header of an uploaded roster — and every download is opened and read cell by cell.
"""

from __future__ import annotations

import ast
import csv
import datetime
import io
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from points import services as points_services
from redemption import services as redemption_services
from residents.models import ImportUpload
from tests.factories import (
    BuildingGroupFactory,
    CompoundFactory,
    HouseholdFactory,
    HouseholdTypeFactory,
    MemberFactory,
    ProjectFactory,
    StaffMembershipFactory,
)
from tests.points.factories import PointRuleFactory
from tests.redemption.factories import RewardFactory, RoundFactory, RoundItemFactory
from tests.volunteering.factories import ActivityFactory, AttendanceFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "residents", "volunteering", "points", "redemption")
WRITER = ROOT / "residents" / "spreadsheets.py"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# What people type or upload, each aimed at a different column.
COMPOUND = "=cmd|' /C calc'!A0"
GROUP = "+1+1楼组"
KIND = "@SUM(1)"
NAME = '=HYPERLINK("http://x","点我")'
REASON = "-1+1 扣回"
REWARD = "=1+2"
UNIT = "\t瓶"
PROJECT = "@项目 巡逻"
UPLOADED_HEADER = "=cmd|' /C calc'!A0|小区"
HOSTILE = (COMPOUND, GROUP, KIND, NAME, REASON, REWARD, UNIT, PROJECT, UPLOADED_HEADER)


# The one writer ---------------------------------------------------------------------------


def writers_in(source: str) -> list[str]:
    """Calls in a module that write a spreadsheet themselves: csv.writer / csv.DictWriter
    and creating an openpyxl Workbook, however imported."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = (
            node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        )
        if name in ("writer", "DictWriter", "Workbook"):
            found.append(f"line {node.lineno}: {name}(…)")
    return found


def test_the_detector_finds_each_way_to_write_a_spreadsheet():
    source = (
        "import csv, openpyxl\nfrom openpyxl import Workbook\n"
        "csv.writer(out)\ncsv.DictWriter(out, [])\nopenpyxl.Workbook()\nWorkbook()\n"
    )
    assert len(writers_in(source)) == 4
    assert writers_in("import csv\nrows = csv.reader(text)\nopenpyxl.load_workbook(f)\n") == []


def test_no_module_but_the_writer_writes_csv_or_creates_a_workbook():
    offenders = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if path == WRITER or "migrations" in path.parts:
                continue
            found = writers_in(path.read_text(encoding="utf-8"))
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}, (
        "Write CSV and .xlsx through residents/spreadsheets.py (Table, csv_bytes, "
        f"workbook_bytes), which keeps formulas out: {offenders}"
    )
    assert writers_in(WRITER.read_text(encoding="utf-8"))  # the writer is still the writer


# Every download ---------------------------------------------------------------------------


@pytest.fixture
def hostile(community):
    """A community whose register, ledger, catalogue and an uploaded roster carry formulas."""
    admin = StaffMembershipFactory(community=community, role="admin").user
    compound = CompoundFactory(community=community, name=COMPOUND)
    group = BuildingGroupFactory(community=community, compound=compound, name=GROUP)
    kind = HouseholdTypeFactory(community=community, name=KIND)
    household = HouseholdFactory(community=community, compound=compound, building_group=group)
    household.types.add(kind)
    member = MemberFactory(household=household, name=NAME)
    PointRuleFactory(community=community, starts_on=datetime.date(2020, 1, 1))
    project = ProjectFactory(community=community, name=PROJECT)
    activity = ActivityFactory(project=project, date=timezone.localdate(), title=PROJECT)
    attendance = AttendanceFactory(activity=activity, member=member)
    points_services.approve(community=community, attendance_ids=[attendance.pk], by=admin)
    points_services.adjust(household=household, amount=50, reason="开户", by=admin)
    points_services.adjust(household=household, amount=-3, reason=REASON, by=admin)
    round_ = RoundFactory(community=community, created_by=admin)
    item = RoundItemFactory(
        round=round_, reward=RewardFactory(community=community, name=REWARD, unit=UNIT)
    )
    redemption_services.open_round(round_=round_, by=admin)
    redemption_services.redeem(
        community=community,
        household=household,
        quantities={item.pk: 1},
        submission_key=uuid.uuid4(),
        by=admin,
    )
    roster = f"姓名,{UPLOADED_HEADER},楼号,室号\r\n张三,没有这个小区,5,302\r\n".encode()
    upload = ImportUpload.objects.create(
        community=community, user=admin, file_name="名册.csv", content=roster
    )
    return {"household": household, "member": member, "round": round_, "upload": upload}


def downloads(objects) -> dict[str, str]:
    household, round_, upload = objects["household"], objects["round"], objects["upload"]
    urls = {}
    for file_format in ("xlsx", "csv"):
        urls[f"households.{file_format}"] = (
            reverse("residents:household_export") + f"?format={file_format}"
        )
        urls[f"household ledger.{file_format}"] = (
            reverse("points:household_ledger_export", args=[household.pk])
            + f"?format={file_format}"
        )
        urls[f"community ledger.{file_format}"] = (
            reverse("points:ledger_export") + f"?format={file_format}"
        )
        urls[f"import template.{file_format}"] = reverse(
            "residents:import_template", args=[file_format]
        )
    for part in ("households", "members", "groups"):
        urls[f"standings {part}.csv"] = (
            reverse("points:standings_export") + f"?format=csv&part={part}"
        )
    urls["standings.xlsx"] = reverse("points:standings_export") + "?format=xlsx"
    urls["settlement.xlsx"] = reverse("redemption:round_settlement_xlsx", args=[round_.pk])
    urls["settlement pick list.csv"] = reverse("redemption:round_settlement_csv", args=[round_.pk])
    urls["settlement items.csv"] = (
        reverse("redemption:round_settlement_csv", args=[round_.pk]) + "?part=items"
    )
    urls["import problems.csv"] = reverse("residents:import_problems", args=[upload.pk])
    return urls


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def csv_cells(content: bytes) -> list[str]:
    assert content.startswith(b"\xef\xbb\xbf")
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    return [cell for row in rows for cell in row]


def xlsx_cells(content: bytes) -> list[openpyxl.cell.Cell]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_no_download_lets_a_formula_through(admin_client_of_community, hostile):
    carried: dict[str, set[str]] = {}
    for name, url in downloads(hostile).items():
        response = admin_client_of_community.get(url)
        assert response.status_code == 200, (name, response.status_code)
        found = carried.setdefault(name, set())
        if name.endswith(".csv"):
            for cell in csv_cells(response.content):
                if cell.startswith(FORMULA_STARTS):
                    assert _is_number(cell), f"{name}: {cell!r} would run as a formula"
                found.update(h for h in HOSTILE if cell == "'" + h)
        else:
            for cell in xlsx_cells(response.content):
                assert cell.data_type != "f", f"{name}: {cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    found.update(h for h in HOSTILE if cell.value == h)

    # Each download carried the hostile text it shows (so the checks above saw it).
    assert carried["households.csv"] >= {COMPOUND, GROUP, KIND, NAME}
    assert carried["households.xlsx"] >= {COMPOUND, GROUP, KIND, NAME}
    assert REASON in carried["household ledger.csv"] & carried["community ledger.xlsx"]
    assert PROJECT in carried["household ledger.xlsx"] & carried["community ledger.csv"]
    assert NAME in carried["standings members.csv"] & carried["standings.xlsx"]
    assert GROUP in carried["standings groups.csv"]
    assert {REWARD, UNIT} <= carried["settlement.xlsx"] & carried["settlement items.csv"]
    assert REWARD in carried["settlement pick list.csv"]
    assert COMPOUND in carried["import template.xlsx"] & carried["import template.csv"]
    assert UPLOADED_HEADER in carried["import problems.csv"]


def test_negative_points_stay_numbers(admin_client_of_community, hostile):
    urls = downloads(hostile)

    csv_amounts = csv_cells(admin_client_of_community.get(urls["household ledger.csv"]).content)
    workbook = admin_client_of_community.get(urls["household ledger.xlsx"]).content

    assert "-3" in csv_amounts and "'-3" not in csv_amounts
    assert any(cell.value == -3 and cell.data_type == "n" for cell in xlsx_cells(workbook))


def test_the_writer_neutralises_headers_and_headings_too():
    from residents.spreadsheets import Column, Table, csv_bytes, workbook_bytes

    table = Table("=表", [Column(UPLOADED_HEADER), Column("数")], [["-1", -1]], heading="=标题")

    header, row = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))
    cells = {cell.value: cell for cell in xlsx_cells(workbook_bytes([table]))}

    assert header == ["'" + UPLOADED_HEADER, "数"] and row == ["'-1", "-1"]
    assert cells[UPLOADED_HEADER].data_type == cells["=标题"].data_type == "s"
    assert cells["-1"].data_type == "s" and cells[-1].data_type == "n"
